"""Failure classification: retry later, or stop and tell a human (dead letter + CRM note).

ERP and CRM connectors already sort their errors (retriable, rate limited with
Retry-After, fatal, not found); this turns any exception raised in a step into
one StepError with a reason code, a log-safe message and a plain sentence for
the deal. Unknown exceptions are retried (bounded by max attempts) because they
are usually transient (a dropped DB connection, a socket error a connector did
not wrap), and dead-lettered with their type if they persist.
"""
from __future__ import annotations

import sqlalchemy.exc

from app.crm.base import CRMError, CRMNotFoundError
from app.erp.base import ERPNotFoundError
from app.errors import UpstreamError


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
    if isinstance(exc, ERPNotFoundError):
        return f"The ERP could not find what this order needs: {exc.message}"
    if isinstance(exc, CRMNotFoundError):
        return "The deal could not be found in the CRM any more."
    if isinstance(exc, CRMError):
        return f"The CRM refused the request: {exc.message}"
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
