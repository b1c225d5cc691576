"""The one outbound HTTP layer every ERP and CRM client sends through.

What it does, so vendor clients do not have to:

* a policy-guarded, pooled session (:mod:`app.net.session`) and a timeout on every call;
* one plain sentence for "could not connect", whatever the cause (DNS, refused port, address
  outside the policy, TLS failure, timeout): an admin-supplied URL must not turn "Test
  connection" into a port scanner. The cause goes to the operator's log only;
* a clear, fatal error for a URL the policy refuses (naming the rule) and for a redirect;
* retries for calls the caller marks safe (reads), with exponential back-off and
  ``Retry-After`` honoured when short; writes are never retried here.

Errors are the shared tree of :mod:`app.errors` with the caller's side (``erp`` or ``crm``) as the
first word of their reason codes; turning a vendor's status codes and bodies into that tree is the
vendor's table (:mod:`app.net.vendor`).
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

import requests

from app.errors import Side, UpstreamError, UpstreamMisconfigured, UpstreamUnavailable
from app.net.policy import OutboundPolicy
from app.net.session import DEFAULT_TIMEOUT, OutboundRefused, RedirectRefused, policy_session

log = logging.getLogger(__name__)
T = TypeVar("T")

UNREACHABLE = ("Could not connect to {vendor} at {host}: it did not answer in time, refused the connection, "
               "or is not allowed by this service's outbound address policy.")


@dataclass(frozen=True)
class RetryPolicy:
    """How safe calls are retried: pauses ``first_pause * factor**n``; a rate limit is waited out
    in-request only when its Retry-After is at most ``max_retry_after_wait`` seconds."""

    retries: int = 0
    first_pause: float = 0.25
    factor: float = 2.0
    max_retry_after_wait: float = 2.0

    def pause(self, attempt: int) -> float:
        return self.first_pause * self.factor ** attempt


#: no retries (writes, and callers that retry on their own)
NO_RETRY = RetryPolicy()


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After value: delta-seconds or an HTTP-date (RFC 9110 10.2.3); None if absent/bad."""
    if not value or not value.strip():
        return None
    text = value.strip()
    try:
        return max(float(text), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)


def host_of(url: str) -> str:
    """The host (and port) of a URL, for messages: never the path, query or credentials."""
    try:
        parts = urlsplit(url)
        return parts.hostname + (f":{parts.port}" if parts.port else "") if parts.hostname else "?"
    except ValueError:
        return "?"


def transport_error(exc: requests.RequestException, *, vendor: str, url: str, side: Side) -> UpstreamError:
    """The error for a request that got no HTTP answer (or a refused one)."""
    host = host_of(url)
    if isinstance(exc, OutboundRefused):
        return UpstreamMisconfigured(f"{vendor}: {exc.message}", side=side, reason=f"{side}_url_refused")
    if isinstance(exc, RedirectRefused):
        return UpstreamMisconfigured(f"{vendor}: {exc}", side=side, reason=f"{side}_redirect_refused",
                                     status=exc.response.status_code if exc.response is not None else None)
    # the exception text can carry the full URL, proxy details or addresses: only its type is logged
    log.warning("%s: no answer from %s (%s)", vendor, host, type(exc).__name__)
    return UpstreamUnavailable(UNREACHABLE.format(vendor=vendor, host=host), side=side, reason=f"{side}_unreachable")


class OutboundHTTP:
    """A policy-guarded session for one vendor connection, with uniform transport errors and retries."""

    def __init__(self, *, vendor: str, side: Side, policy: OutboundPolicy, timeout: float = DEFAULT_TIMEOUT,
                 retry: RetryPolicy = NO_RETRY, sleep: Callable[[float], None] = time.sleep,
                 headers: dict[str, str] | None = None):
        self.vendor = vendor
        self.side: Side = side
        self.timeout = timeout or DEFAULT_TIMEOUT
        self.retry = retry
        self.sleep = sleep
        self.session = policy_session(policy, vendor)
        self.session.headers.update({"User-Agent": "erp-panel/1.0", **(headers or {})})

    def close(self) -> None:
        self.session.close()

    def send(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        """One request with the timeout; any answer is returned, no answer raises the caller's error."""
        started = time.monotonic()
        try:
            response = self.session.request(method, url, timeout=self.timeout, allow_redirects=False, **kwargs)
        except requests.RequestException as exc:
            raise transport_error(exc, vendor=self.vendor, url=url, side=self.side) from None
        log.debug("%s %s %s -> %s in %.0f ms", self.vendor, method, urlsplit(url).path, response.status_code,
                  (time.monotonic() - started) * 1000)
        return response

    def with_retries(self, attempt: Callable[[], T], *, safe: bool, what: str = "") -> T:
        """Run ``attempt``; when ``safe``, repeat it after retriable errors (see :class:`RetryPolicy`)."""
        return retry_call(attempt, retry=self.retry if safe else NO_RETRY, sleep=self.sleep,
                          what=f"{self.vendor} {what}")


def retry_call(attempt: Callable[[], T], *, retry: RetryPolicy, sleep: Callable[[float], None], what: str = "") -> T:
    """Run ``attempt``, repeating it up to ``retry.retries`` times after retriable upstream errors.

    Only for idempotent calls (reads). The HTTP layer uses it for safe requests; the panel read
    uses it for connectors that do not retry their own reads (the sandbox, non-HTTP paths).
    """
    attempts = 1 + max(retry.retries, 0)
    for number in range(attempts):
        try:
            return attempt()
        except UpstreamError as exc:
            if not exc.retriable or number + 1 >= attempts:
                raise
            pause = retry.pause(number)
            if exc.retry_after is not None:
                if exc.retry_after > retry.max_retry_after_wait:
                    raise      # the caller (cache, job queue) waits longer than a request should
                pause = max(pause, exc.retry_after)
            log.info("%s failed (%s); retry %d in %.2fs", what, exc.reason, number + 1, pause)
            sleep(pause)
    raise AssertionError("unreachable")  # pragma: no cover
