"""Client-side limiter for HubSpot's per-account API budget.

OAuth apps get 110 requests per rolling 10 seconds per installed account (Search API excluded);
a 429 ``TEN_SECONDLY_ROLLING`` storm is the most common HubSpot integration complaint (SDK
issues hubspot-api-python#117, hubspot-api-nodejs#416). Doc:
https://developers.hubspot.com/docs/guides/apps/api-usage/usage-details ; reference 1.6.

The limiter never sleeps: when a portal's window is full it raises CRMRateLimited with the
seconds until a slot frees, and the caller (the worker's retry policy, or the card endpoint's
cached answer) decides. Per process: with several worker processes give each a share of the
budget via ``limit`` or rely on the 429 handling in the client.
"""
from __future__ import annotations

import threading
from collections import deque

from app.clock import Clock
from app.crm.base import CRMRateLimited

LIMIT = 110
WINDOW_SECONDS = 10.0


class PortalRateLimiter:
    """Sliding-window limiter, one window per HubSpot portal."""

    def __init__(self, clock: Clock, limit: int = LIMIT, window: float = WINDOW_SECONDS):
        self.clock = clock
        self.limit = limit
        self.window = window
        self._calls: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def acquire(self, portal_id: str) -> None:
        """Take one request slot for this portal or raise CRMRateLimited (retry_after in seconds)."""
        now = self.clock.monotonic()
        with self._lock:
            calls = self._calls.setdefault(str(portal_id), deque())
            while calls and now - calls[0] >= self.window:
                calls.popleft()
            if len(calls) >= self.limit:
                wait = self.window - (now - calls[0])
                raise CRMRateLimited("HubSpot API budget for this account is used up for the moment",
                                     reason="hubspot_rate_limited", retry_after=max(wait, 0.1))
            calls.append(now)

    def remaining(self, portal_id: str) -> int:
        """Slots left in the current window (for diagnostics and tests)."""
        now = self.clock.monotonic()
        with self._lock:
            calls = self._calls.get(str(portal_id), deque())
            return self.limit - sum(1 for t in calls if now - t < self.window)
