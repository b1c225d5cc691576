"""Client-side concurrency limits per ERP account/environment.

NetSuite governs concurrent requests per account and rejects the excess
(https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/bridgehead_1525252812.html);
Business Central queues requests beyond a few concurrent ones per environment and answers
429/503 when the queue overflows
(https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/operational-limits-online).
Every worker thread of this process that talks to the same account shares one gate, so the
process never causes that itself. Waiting is bounded by the request timeout; a request that
cannot get a slot in time fails as rate limited (retriable) instead of queueing forever.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from app.errors import ERP, UpstreamRateLimited

_GATES: dict[str, threading.BoundedSemaphore] = {}
_LOCK = threading.Lock()


class ConcurrencyGate:
    """At most ``limit`` requests in flight for one ERP account key in this process."""

    def __init__(self, key: str, limit: int, *, vendor: str, wait: float):
        self.key, self.limit, self.vendor, self.wait = key, max(int(limit), 1), vendor, wait
        with _LOCK:
            gate_key = f"{key}#{self.limit}"
            self._semaphore = _GATES.setdefault(gate_key, threading.BoundedSemaphore(self.limit))

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one slot for the duration of a request."""
        if not self._semaphore.acquire(timeout=self.wait):
            raise UpstreamRateLimited(f"{self.vendor}: {self.limit} requests already in flight for this account", side=ERP,
                                 reason="erp_rate_limited")
        try:
            yield
        finally:
            self._semaphore.release()
