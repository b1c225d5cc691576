"""Injectable clocks.

Everything that needs "now" takes a Clock so tests can freeze and advance time
instead of sleeping.
"""
from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta


class Clock:
    """Wall clock in UTC plus a monotonic counter for durations."""

    def now(self) -> datetime:
        """Current time as an aware UTC datetime."""
        return datetime.now(UTC)

    def timestamp(self) -> float:
        """Current time as Unix seconds."""
        return self.now().timestamp()

    def monotonic(self) -> float:
        """Seconds from an arbitrary origin; only differences are meaningful."""
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        """Pause the calling thread (short in-request pauses, e.g. between read retries)."""
        time.sleep(seconds)


class FrozenClock(Clock):
    """A clock that only moves when told to (tests)."""

    def __init__(self, start: datetime | None = None):
        self._now = start or datetime(2026, 11, 23, 12, 0, 0, tzinfo=UTC)
        self._mono = 1000.0
        self._lock = threading.Lock()
        self.slept: list[float] = []     # pauses asked for; time does not move by itself

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def monotonic(self) -> float:
        with self._lock:
            return self._mono

    def sleep(self, seconds: float) -> None:
        """Record the pause and return at once (tests never wait; they advance the clock explicitly)."""
        with self._lock:
            self.slept.append(seconds)

    def advance(self, seconds: float = 0.0, **kwargs: float) -> datetime:
        """Move time forward by seconds (and/or timedelta kwargs); returns the new now."""
        delta = timedelta(seconds=seconds, **kwargs)
        with self._lock:
            self._now += delta
            self._mono += delta.total_seconds()
            return self._now

    def set(self, when: datetime) -> None:
        """Jump to an absolute time (may not go backwards for monotonic)."""
        with self._lock:
            diff = (when - self._now).total_seconds()
            self._now = when
            self._mono += max(diff, 0.0)


def utc(dt: datetime) -> datetime:
    """Normalise a datetime to aware UTC (naive values are taken as UTC)."""
    if dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)
