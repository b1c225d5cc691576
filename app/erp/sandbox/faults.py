"""Fault injection and call counting for the sandbox ERP.

One SandboxFaults object is shared by every sandbox connector built for a
process, so benchmarks and tests can change behaviour at run time. The demo's
switches (outage, latency) go through ``switch``: with shared switches attached
(the app does, on its database) they reach every process - web workers and order
workers alike - not only the one that served the form.
"""
from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable

from app.erp.sandbox.switches import SharedSwitches


class SandboxFaults:
    """Latency, outages, error bursts and hooks; all thread-safe."""

    def __init__(self, latency_ms: float = 0.0, fail_rate: float = 0.0, seed: int = 7,
                 sleep: Callable[[float], None] = time.sleep):
        self.local_latency_ms = latency_ms            # this process's setting (SANDBOX_LATENCY_MS, tests)
        self.fail_rate = fail_rate
        self.local_down = False
        self.shared: SharedSwitches | None = None
        self.rate_limited = False
        self.gate: threading.Event | None = None    # calls block until set (tests: overlap without sleeps)
        self.reject_orders_reason: str | None = None  # every create_order fails validation
        self.after_create: Callable[[str], None] | None = None  # runs after an order is stored
        self._fail_next: list[str] = []
        self._sleep = sleep
        self._rng = random.Random(seed)  # noqa: S311 - seeded fault injection, repeatable by design
        self._lock = threading.Lock()
        self._entered = threading.Condition(self._lock)
        self.calls: Counter[str] = Counter()

    # -- outage and latency: this process's values, overridden by the shared demo switches ---------
    @property
    def down(self) -> bool:
        """True while the ERP is simulated down (here, or by the shared switch)."""
        return self.local_down or (self.shared is not None and self.shared.current().down)

    @down.setter
    def down(self, value: bool) -> None:
        self.local_down = bool(value)

    @property
    def latency_ms(self) -> float:
        """Added latency per call: the shared switch's value when set, else this process's."""
        shared = self.shared.current().latency_ms if self.shared is not None else None
        return self.local_latency_ms if shared is None else shared

    @latency_ms.setter
    def latency_ms(self, value: float) -> None:
        self.local_latency_ms = float(value)

    def attach(self, shared: SharedSwitches) -> None:
        """Follow the shared switches (first attachment wins; a test may share one object between apps)."""
        if self.shared is None:
            self.shared = shared

    def switch(self, *, down: bool | None = None, latency_ms: float | None = None) -> None:
        """The demo's switches: for every process when shared switches are attached, else for this one."""
        if self.shared is not None:
            self.shared.update(down=down, latency_ms=latency_ms)
            if down is False:
                self.local_down = False
            return
        if down is not None:
            self.local_down = down
        if latency_ms is not None:
            self.local_latency_ms = latency_ms

    def fail_next(self, count: int, kind: str = "unavailable") -> None:
        """Make the next ``count`` calls fail: kind is unavailable | timeout | rate_limited | validation."""
        with self._lock:
            self._fail_next.extend([kind] * count)

    def reset(self) -> None:
        """Back to a healthy, fast ERP with zeroed counters."""
        with self._lock:
            self.local_latency_ms = 0.0
            self.fail_rate = 0.0
            self.local_down = False
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
        latency_ms = self.latency_ms
        if latency_ms > 0:
            self._sleep(latency_ms / 1000.0)
        if forced:
            return forced
        if self.down:
            return "unavailable"
        if self.rate_limited:
            return "rate_limited"
        if random_fail:
            return "unavailable"
        return None
