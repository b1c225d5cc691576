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
from concurrent.futures import Executor
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from app.cache.backend import CacheBackend

T = TypeVar("T")


class _Call:
    __slots__ = ("done", "result", "error", "waiters")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.result: Any = None
        self.error: BaseException | None = None
        self.waiters = 0


class SingleFlight:
    """Process-local single-flight groups keyed by string."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._calls: dict[str, _Call] = {}

    def do(self, key: str, fn: Callable[[], T], timeout: float | None = None) -> T:
        """Run fn once per key among concurrent callers; everyone gets its result."""
        call, leader = self._join(key)
        if leader:
            self._lead(key, call, fn)
        return self.result(call, timeout)

    def start(self, key: str, fn: Callable[[], T], executor: Executor) -> _Call:
        """Like ``do`` without blocking: a new call runs on ``executor``, a call in flight is joined.
        Only leaders take an executor thread, so waiting callers never hold the pool. Wait with ``result``."""
        call, leader = self._join(key)
        if leader:
            try:
                executor.submit(self._lead, key, call, fn)
            except RuntimeError:          # the executor is shut down: run it here
                self._lead(key, call, fn)
        return call

    @staticmethod
    def result(call: _Call, timeout: float | None = None) -> Any:
        """The call's result (or its exception), once it finished."""
        if not call.done.wait(timeout):
            raise TimeoutError(f"waited {timeout}s for a coalesced fetch")
        if call.error is not None:
            raise call.error
        return call.result

    def _join(self, key: str) -> tuple[_Call, bool]:
        with self._lock:
            call = self._calls.get(key)
            if call is None:
                call = self._calls[key] = _Call()
                return call, True
            call.waiters += 1
            self._changed.notify_all()
            return call, False

    def _lead(self, key: str, call: _Call, fn: Callable[[], Any]) -> None:
        try:
            call.result = fn()
        except BaseException as exc:  # noqa: BLE001 - handed to every waiter, re-raised by ``result``
            call.error = exc
        finally:
            with self._lock:
                self._calls.pop(key, None)
            call.done.set()

    def busy(self, key: str) -> bool:
        """True while a call for key is in flight in this process."""
        with self._lock:
            return key in self._calls

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

    def __init__(self, lock_backend: CacheBackend | None = None, wait_seconds: float = 10.0, poll_seconds: float = 0.02):
        self.flight = SingleFlight()
        self.locks = lock_backend          # CacheBackend with add/delete/exists, e.g. RedisCache
        self.wait_seconds = wait_seconds
        self.poll_seconds = poll_seconds

    def run(self, key: str, fetch: Callable[[], T], reread: Callable[[], T | None]) -> T:
        """Fetch once for key. ``reread`` returns what another process published, if anything."""
        return self.flight.do(key, lambda: self._leader(key, fetch, reread), timeout=self.wait_seconds)

    def start(self, key: str, fetch: Callable[[], T], reread: Callable[[], T | None], executor: Executor) -> Any:
        """``run`` on ``executor`` for a new fetch; wait for it with ``wait``."""
        return self.flight.start(key, lambda: self._leader(key, fetch, reread), executor)

    def wait(self, handle: Any) -> Any:
        """The result of a fetch begun with ``start`` (TimeoutError after ``wait_seconds``)."""
        return self.flight.result(handle, self.wait_seconds)

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
