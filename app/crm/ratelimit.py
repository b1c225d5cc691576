"""One client-side rate limiter for every CRM's API budget, per installation.

Two things a vendor may tell us, both honoured here so calls do not burn the installation's
budget on 429s: a budget per window (HubSpot: 110 requests per rolling 10 s per installed
account, https://developers.hubspot.com/docs/guides/apps/api-usage/usage-details) and "wait until
the reset" (a 429, or Pipedrive's ``x-ratelimit-remaining`` reaching 0 with ``x-ratelimit-reset``
seconds, https://pipedrive.readme.io/docs/core-api-concepts-rate-limiting). The limiter never
sleeps: it raises UpstreamRateLimited with the seconds until a call may go out, and the caller (the
worker's retry policy, a cached answer) decides. Per process: several processes each keep their
own window, and the vendor's 429 handling covers the rest.
"""
from __future__ import annotations

import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass

from app.clock import Clock
from app.errors import CRM, UpstreamRateLimited
from app.net.client import retry_after_seconds


@dataclass(frozen=True)
class RateRules:
    """A vendor's budget rules."""

    vendor: str
    #: calls allowed per ``window`` seconds per installation (None: no client-side window)
    limit: int | None = None
    window: float = 10.0
    #: response headers saying how many calls are left and in how many seconds the budget resets
    remaining_header: str | None = None
    reset_header: str | None = None
    #: wait after the budget ran out when the vendor named no time
    default_wait: float = 2.0
    #: after a 429, send nothing for this installation until the vendor's wait is over
    block_after_429: bool = False


def _number(value: str | None) -> float | None:
    try:
        return None if value is None else max(float(value), 0.0)
    except ValueError:
        return None


class RateLimiter:
    """Sliding window plus "blocked until", one of each per installation key (thread-safe)."""

    def __init__(self, clock: Clock, rules: RateRules):
        self.clock = clock
        self.rules = rules
        self._calls: dict[str, deque[float]] = {}
        self._blocked_until: dict[str, float] = {}
        self._lock = threading.Lock()

    def acquire(self, key: str) -> None:
        """Take one call slot for this installation, or raise UpstreamRateLimited (``retry_after`` seconds)."""
        now = self.clock.monotonic()
        with self._lock:
            wait = self._blocked_until.get(key, 0.0) - now
            if wait > 0:
                raise UpstreamRateLimited(f"{self.rules.vendor} API budget exhausted; waiting for the reset",
                                          side=CRM, retry_after=wait)
            if self.rules.limit is None:
                return
            calls = self._calls.setdefault(key, deque())
            while calls and now - calls[0] >= self.rules.window:
                calls.popleft()
            if len(calls) >= self.rules.limit:
                raise UpstreamRateLimited(f"{self.rules.vendor} API budget for this account is used up for the "
                                          "moment", side=CRM, retry_after=max(self.rules.window - (now - calls[0]), 0.1))
            calls.append(now)

    def block(self, key: str, seconds: float) -> None:
        """No calls for this installation during the next ``seconds`` (the vendor said so)."""
        with self._lock:
            until = self.clock.monotonic() + seconds
            self._blocked_until[key] = max(self._blocked_until.get(key, 0.0), until)

    def observe(self, key: str, headers: Mapping[str, str]) -> None:
        """Read the vendor's budget headers of an answer; block until the reset when nothing is left."""
        if self.rules.remaining_header is None:
            return
        remaining = _number(headers.get(self.rules.remaining_header))
        if remaining is not None and remaining <= 0:
            reset = retry_after_seconds(headers.get(self.rules.reset_header or "")) if self.rules.reset_header else None
            self.block(key, reset if reset is not None else self.rules.default_wait)

    def remaining(self, key: str) -> int | None:
        """Calls left in the current window (diagnostics); None without a client-side window."""
        if self.rules.limit is None:
            return None
        now = self.clock.monotonic()
        with self._lock:
            calls = self._calls.get(key, deque())
            return self.rules.limit - sum(1 for t in calls if now - t < self.rules.window)
