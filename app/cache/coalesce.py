"""Request coalescing (single-flight): one fetch per key however many readers wait.

In-process: the first caller runs the function, concurrent callers for the same
key block and receive the same result or exception (Go's singleflight).
Across processes (Redis): inside the process-local single-flight, the leader
also takes a short Redis lock; a process that loses the lock waits for the
winner to publish the entry in the shared cache and reads it from there.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


class _Call:
    __slots__ = ("done", "result", "error", "waiters")

    def __init__(self):
        self.done = threading.Event()
        self.result: Any = None
        self.error: BaseException | None = None
        self.waiters = 0


class SingleFlight:
    """Process-local single-flight groups keyed by string."""

    def __init__(self):
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._calls: dict[str, _Call] = {}

    def do(self, key: str, fn: Callable[[], T], timeout: float | None = None) -> T:
        """Run fn once per key among concurrent callers; everyone gets its result."""
        with self._lock:
            call = self._calls.get(key)
            leader = call is None
            if leader:
                call = self._calls[key] = _Call()
            else:
                call.waiters += 1
                self._changed.notify_all()
        if not leader:
            if not call.done.wait(timeout):
                raise TimeoutError(f"waited {timeout}s for a coalesced fetch")
            if call.error is not None:
                raise call.error
            return call.result
        try:
            call.result = fn()
            return call.result
        except BaseException as exc:
            call.error = exc
            raise
        finally:
            with self._lock:
                self._calls.pop(key, None)
            call.done.set()

    def waiting(self, key: str) -> int:
        """How many followers currently wait on key (tests, metrics)."""
        with self._lock:
            call = self._calls.get(key)
            return call.waiters if call else 0

    def in_flight(self) -> int:
        with self._lock:
            return len(self._calls)

    def total_waiting(self) -> int:
        with self._lock:
            return sum(call.waiters for call in self._calls.values())

    def wait_for_waiters(self, count: int, timeout: float = 10.0) -> bool:
        """Block until at least ``count`` followers wait in total (tests)."""
        with self._changed:
            return self._changed.wait_for(lambda: sum(c.waiters for c in self._calls.values()) >= count, timeout)


class Coalescer:
    """Coalesces fetches within a process and, with a lock backend, across processes."""

    def __init__(self, lock_backend=None, wait_seconds: float = 10.0, poll_seconds: float = 0.02):
        self.flight = SingleFlight()
        self.locks = lock_backend          # CacheBackend with add/delete/exists, e.g. RedisCache
        self.wait_seconds = wait_seconds
        self.poll_seconds = poll_seconds

    def run(self, key: str, fetch: Callable[[], T], reread: Callable[[], T | None]) -> T:
        """Fetch once for key. ``reread`` returns what another process published, if anything."""
        return self.flight.do(key, lambda: self._leader(key, fetch, reread), timeout=self.wait_seconds)

    def _leader(self, key: str, fetch: Callable[[], T], reread: Callable[[], T | None]) -> T:
        # Double-checked: a previous leader may have published between the caller's cache
        # miss and this point (dogpile's get -> lock -> get again).
        published = reread()
        if published is not None:
            return published
        if self.locks is None:
            return fetch()
        lock_key = f"lock:{key}"
        if self.locks.add(lock_key, "1", keep_seconds=self.wait_seconds):
            try:
                published = reread()
                return published if published is not None else fetch()
            finally:
                self.locks.delete(lock_key)
        # Another process is fetching: wait for it to publish, then use its result.
        deadline = time.monotonic() + self.wait_seconds
        while time.monotonic() < deadline and self.locks.exists(lock_key):
            time.sleep(self.poll_seconds)
        published = reread()
        return published if published is not None else fetch()
