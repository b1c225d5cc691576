"""One client-side rate limiter for every CRM's API budget, per installation.

Two things a vendor may tell us, both honoured here so calls do not burn the installation's
budget on 429s: a budget per window (HubSpot: 110 requests per rolling 10 s per installed
account, https://developers.hubspot.com/docs/guides/apps/api-usage/usage-details) and "wait until
the reset" (a 429, or Pipedrive's ``x-ratelimit-remaining`` reaching 0 with ``x-ratelimit-reset``
seconds, https://pipedrive.readme.io/docs/core-api-concepts-rate-limiting); and a daily budget that
should not be used up by us (Salesforce's ``Sforce-Limit-Info: api-usage=used/limit``, read with
:func:`app.ops.budget.read_budget`: above a share of it, calls are throttled to a slow window so a job
still completes but leaves the org's allocation to its other integrations). The limiter never
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
from app.ops.budget import read_budget


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
    #: share of the vendor's reported (daily) budget above which calls are throttled; None: never
    budget_threshold: float | None = None
    #: the throttled window: ``throttled_limit`` calls per ``throttled_window`` seconds
    throttled_limit: int = 10
    throttled_window: float = 60.0


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
        self._throttled: set[str] = set()
        self._lock = threading.Lock()

    def acquire(self, key: str) -> None:
        """Take one call slot for this installation, or raise UpstreamRateLimited (``retry_after`` seconds)."""
        now = self.clock.monotonic()
        with self._lock:
            wait = self._blocked_until.get(key, 0.0) - now
            if wait > 0:
                raise UpstreamRateLimited(f"{self.rules.vendor} API budget exhausted; waiting for the reset",
                                          side=CRM, retry_after=wait)
            limit, window = self._window(key)
            if limit is None:
                return
            calls = self._calls.setdefault(key, deque())
            while calls and now - calls[0] >= window:
                calls.popleft()
            if len(calls) >= limit:
                raise UpstreamRateLimited(f"{self.rules.vendor} API budget for this account is used up for the "
                                          "moment", side=CRM, retry_after=max(window - (now - calls[0]), 0.1))
            calls.append(now)

    def _window(self, key: str) -> tuple[int | None, float]:
        """(calls, seconds) allowed now: the throttled window while the vendor's budget is above the share."""
        if key in self._throttled:
            return self.rules.throttled_limit, self.rules.throttled_window
        return self.rules.limit, self.rules.window

    def block(self, key: str, seconds: float) -> None:
        """No calls for this installation during the next ``seconds`` (the vendor said so)."""
        with self._lock:
            until = self.clock.monotonic() + seconds
            self._blocked_until[key] = max(self._blocked_until.get(key, 0.0), until)

    def observe(self, key: str, headers: Mapping[str, str]) -> None:
        """Read the vendor's budget headers of an answer; block until the reset when nothing is left."""
        if self.rules.budget_threshold is not None:
            budget = read_budget(headers)
            if budget is not None:
                with self._lock:
                    if budget.used_ratio >= self.rules.budget_threshold:
                        self._throttled.add(key)
                    else:
                        self._throttled.discard(key)
        if self.rules.remaining_header is None:
            return
        remaining = _number(headers.get(self.rules.remaining_header))
        if remaining is not None and remaining <= 0:
            reset = retry_after_seconds(headers.get(self.rules.reset_header or "")) if self.rules.reset_header else None
            self.block(key, reset if reset is not None else self.rules.default_wait)

    def throttled(self, key: str) -> bool:
        """Whether this installation's calls are throttled because its vendor budget is above the share."""
        with self._lock:
            return key in self._throttled

    def remaining(self, key: str) -> int | None:
        """Calls left in the current window (diagnostics); None without a client-side window."""
        now = self.clock.monotonic()
        with self._lock:
            limit, window = self._window(key)
            if limit is None:
                return None
            calls = self._calls.get(key, deque())
            return limit - sum(1 for t in calls if now - t < window)
