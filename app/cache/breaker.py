"""A small circuit breaker on the injected clock.

closed    -> calls go through; ``failure_threshold`` consecutive failures open it.
open      -> calls are refused (the caller uses its fallback) for ``reset_seconds``.
half-open -> after that pause exactly one caller gets to probe; success closes the
             breaker, failure opens it for another ``reset_seconds``.

Thread-safe. The breaker only keeps state; the caller decides what a probe is.
"""
from __future__ import annotations

import threading
from enum import StrEnum

from app.clock import Clock


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    """Counts consecutive failures of one dependency and decides when to try it again."""

    def __init__(self, clock: Clock, *, failure_threshold: int = 1, reset_seconds: float = 5.0):
        if failure_threshold < 1 or reset_seconds <= 0:
            raise ValueError("a breaker needs failure_threshold >= 1 and reset_seconds > 0")
        self.clock = clock
        self.failure_threshold = failure_threshold
        self.reset_seconds = reset_seconds
        self._state = BreakerState.CLOSED
        self._failures = 0
        self._opened_at = 0.0
        self._lock = threading.Lock()

    @property
    def state(self) -> BreakerState:
        with self._lock:
            return self._state

    def seconds_open(self) -> float | None:
        """How long the dependency has been considered down (None while closed)."""
        with self._lock:
            if self._state == BreakerState.CLOSED:
                return None
            return max(self.clock.monotonic() - self._opened_at, 0.0)

    def acquire(self) -> BreakerState | None:
        """Ask to call the dependency.

        Returns CLOSED (call normally), HALF_OPEN (this caller is the one probe and must report
        ``success``/``failure``), or None (do not call; use the fallback).
        """
        with self._lock:
            if self._state == BreakerState.CLOSED:
                return BreakerState.CLOSED
            if self._state == BreakerState.OPEN and self.clock.monotonic() - self._opened_at >= self.reset_seconds:
                self._state = BreakerState.HALF_OPEN
                return BreakerState.HALF_OPEN
            return None

    def success(self) -> bool:
        """Record a successful call; True when this closed an open breaker (a recovery)."""
        with self._lock:
            recovered = self._state != BreakerState.CLOSED
            self._state = BreakerState.CLOSED
            self._failures = 0
            return recovered

    def failure(self) -> bool:
        """Record a failed call; True when this opened the breaker (the dependency just went down)."""
        with self._lock:
            self._failures += 1
            was_closed = self._state == BreakerState.CLOSED
            if self._state == BreakerState.HALF_OPEN or self._failures >= self.failure_threshold:
                if self._state != BreakerState.OPEN:
                    self._opened_at = self.clock.monotonic()
                self._state = BreakerState.OPEN
            return was_closed and self._state == BreakerState.OPEN
