"""Retry policy: which failures are worth retrying (classification) and how long to wait (backoff).

Failure classification: retry later, or stop and tell a human (dead letter + CRM note).

ERP and CRM connectors already sort their errors (retriable, rate limited with
Retry-After, fatal, not found); this turns any exception raised in a step into
one StepError with a reason code, a log-safe message and a plain sentence for
the deal. Unknown exceptions are retried (bounded by max attempts) because they
are usually transient (a dropped DB connection, a socket error a connector did
not wrap), and dead-lettered with their type if they persist.

Retry delays: capped exponential backoff with a jitter floor.

delay(n) = uniform(floor * c, c) with c = min(cap, base * 2**(n-1)): the jitter
spreads retries of jobs that failed together (AWS Architecture Blog, "Exponential
Backoff And Jitter", 2015), and the floor guarantees the retries cover a minimum
time, so a burst of bad luck cannot spend every attempt inside a short outage
(with full jitter from 0 s, 8 attempts could all fall inside one minute). The
defaults (30 s base, 2 h cap, floor 0.5, 15 attempts) spread retries over 7-14 h
with gaps growing to 1-2 h, like the CRMs' own webhook redelivery: Salesforce
outbound messages back off exponentially "up to a maximum of two hours between
retries" (https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_om_outboundmessaging_notifications.htm),
HubSpot retries webhooks up to 10 times over 24 h
(https://developers.hubspot.com/docs/api/webhooks). A vendor's Retry-After is a
floor, never shortened.
"""
from __future__ import annotations

import random

import sqlalchemy.exc

from app.errors import (
    CRM,
    MissingVendorField,
    UpstreamAuthFailed,
    UpstreamError,
    UpstreamMisconfigured,
    UpstreamNotFound,
)


class Backoff:
    """Delay before retry number ``attempt`` (1 = first retry); the RNG is injectable for tests."""

    def __init__(self, base: float = 30.0, cap: float = 7200.0, rng: random.Random | None = None, *,
                 floor: float = 0.5):
        if base <= 0 or cap < base:
            raise ValueError("backoff needs 0 < base <= cap")
        if not 0.0 <= floor <= 1.0:
            raise ValueError("backoff floor is a fraction of the delay, between 0 and 1")
        self.base = base
        self.cap = cap
        self.floor = floor
        self.rng = rng or random.Random()  # noqa: S311 - backoff jitter, not a secret

    def ceiling(self, attempt: int) -> float:
        """Largest delay for this attempt (the cap once the exponential passes it)."""
        exponent = max(attempt, 1) - 1
        if exponent > 60:  # 2**60 * base is far past any cap; avoid float overflow
            return self.cap
        return min(self.cap, self.base * 2.0 ** exponent)

    def bounds(self, attempt: int) -> tuple[float, float]:
        """(shortest, longest) delay before retry ``attempt``."""
        ceiling = self.ceiling(attempt)
        return self.floor * ceiling, ceiling

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Random delay in bounds(attempt), raised to ``retry_after`` when the vendor asked."""
        value = self.rng.uniform(*self.bounds(attempt))
        if retry_after is not None and retry_after > value:
            value = float(retry_after)
        return value

    def schedule(self, max_attempts: int) -> list[tuple[int, float, float]]:
        """(attempt number, shortest, longest wait before it) for attempts 2..max_attempts."""
        return [(n + 1, *self.bounds(n)) for n in range(1, max(max_attempts, 1))]

    def survives(self, max_attempts: int) -> float:
        """Seconds from the first attempt to the last one at the least: the longest outage a job
        is guaranteed to outlive (its last attempt comes after the outage) without a dead letter."""
        return sum(low for _, low, _ in self.schedule(max_attempts))


class StepError(Exception):
    """A step failed. ``retriable`` decides retry vs dead letter; ``plain`` goes onto the deal."""

    def __init__(self, reason: str, message: str, *, retriable: bool, retry_after: float | None = None,
                 plain: str | None = None):
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.retriable = retriable
        self.retry_after = retry_after
        self.plain = plain or message


def rejected(reason: str, plain: str) -> StepError:
    """A permanent problem with the deal's data or setup, explained in one plain sentence."""
    return StepError(reason, plain, retriable=False, plain=plain)


def _plain(exc: UpstreamError) -> str:
    """The sentence the deal shows for a failure retrying will not fix."""
    if exc.side == CRM:
        if isinstance(exc, UpstreamNotFound):
            return "The deal could not be found in the CRM any more."
        return f"The CRM refused the request: {exc.message}"
    # settings (and an ERP field an upgrade renamed or a permission hides) only an admin can fix
    if isinstance(exc, UpstreamAuthFailed | UpstreamMisconfigured | MissingVendorField):
        return f"erp-panel cannot use the ERP connection ({exc.message}); an admin can fix it on the settings page."
    if isinstance(exc, UpstreamNotFound):
        return f"The ERP could not find what this order needs: {exc.message}"
    return f"The ERP rejected the order: {exc.message}"


def classify(exc: BaseException) -> StepError:
    """Map any exception from a step to a StepError."""
    if isinstance(exc, StepError):
        return exc
    if isinstance(exc, UpstreamError):
        # Connectors sorted it already: retriable (network, 5xx, 429 + Retry-After) or not (4xx, auth, missing).
        return StepError(exc.reason, exc.message, retriable=exc.retriable, retry_after=exc.retry_after,
                         plain=None if exc.retriable else _plain(exc))
    if isinstance(exc, sqlalchemy.exc.OperationalError | ConnectionError | TimeoutError | OSError):
        return StepError("transient_error", f"{type(exc).__name__} while processing", retriable=True,
                         plain="A temporary error interrupted the order; it will be retried.")
    # Only the type: messages of unexpected errors may contain payloads.
    return StepError("internal_error", f"unexpected {type(exc).__name__}", retriable=True,
                     plain="An internal error stopped the order; the support team has the details.")
