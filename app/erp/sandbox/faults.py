"""Fault injection and call counting for the sandbox ERP.

One SandboxFaults object is shared by every sandbox connector built for a
process, so the demo's "simulate outage" switch, benchmarks and tests can change
behaviour at run time.
"""
from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable


class SandboxFaults:
    """Latency, outages, error bursts and hooks; all thread-safe."""

    def __init__(self, latency_ms: float = 0.0, fail_rate: float = 0.0, seed: int = 7,
                 sleep: Callable[[float], None] = time.sleep):
        self.latency_ms = latency_ms
        self.fail_rate = fail_rate
        self.down = False
        self.rate_limited = False
        self.gate: threading.Event | None = None    # calls block until set (tests: overlap without sleeps)
        self.reject_orders_reason: str | None = None  # every create_order fails validation
        self.after_create: Callable[[str], None] | None = None  # runs after an order is stored
        self._fail_next: list[str] = []
        self._sleep = sleep
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._entered = threading.Condition(self._lock)
        self.calls: Counter[str] = Counter()

    def fail_next(self, count: int, kind: str = "unavailable") -> None:
        """Make the next ``count`` calls fail: kind is unavailable | timeout | rate_limited | validation."""
        with self._lock:
            self._fail_next.extend([kind] * count)

    def reset(self) -> None:
        """Back to a healthy, fast ERP with zeroed counters."""
        with self._lock:
            self.latency_ms = 0.0
            self.fail_rate = 0.0
            self.down = False
            self.rate_limited = False
            self.gate = None
            self.reject_orders_reason = None
            self.after_create = None
            self._fail_next.clear()
            self.calls.clear()

    def total_calls(self) -> int:
        with self._lock:
            return sum(self.calls.values())

    def wait_for_calls(self, count: int, timeout: float = 10.0) -> bool:
        """Block until at least ``count`` calls have entered (tests synchronise on this, never on sleeps)."""
        with self._entered:
            return self._entered.wait_for(lambda: sum(self.calls.values()) >= count, timeout)

    def enter(self, operation: str) -> str | None:
        """Count a call, apply latency, and return the fault kind to raise (or None)."""
        with self._lock:
            self.calls[operation] += 1
            self._entered.notify_all()
            forced = self._fail_next.pop(0) if self._fail_next else None
            random_fail = self.fail_rate > 0 and self._rng.random() < self.fail_rate
        gate = self.gate
        if gate is not None:
            gate.wait(timeout=30)
        if self.latency_ms > 0:
            self._sleep(self.latency_ms / 1000.0)
        if forced:
            return forced
        if self.down:
            return "unavailable"
        if self.rate_limited:
            return "rate_limited"
        if random_fail:
            return "unavailable"
        return None
