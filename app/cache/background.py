"""Work off the request path: at most one task per key at a time, and a way to wait for them."""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future, wait

log = logging.getLogger("erp_panel.cache")


class BackgroundWork:
    """Runs keyed tasks on an executor, never two for the same key at once."""

    def __init__(self, executor: Executor):
        self.executor = executor
        self._keys: set[str] = set()
        self._running: set[Future] = set()
        self._lock = threading.Lock()

    def running(self, key: str) -> bool:
        """True from ``start`` until the task for key has finished."""
        return key in self._keys

    def start(self, key: str, task: Callable[[], object]) -> bool:
        """Run ``task`` in the background unless one for key is running; True when this call started it.

        Exceptions are logged, never raised: the task's owner keeps what it had."""
        with self._lock:
            if key in self._keys:
                return False
            self._keys.add(key)
        try:
            future = self.executor.submit(self._run, key, task)
        except RuntimeError:                  # the executor is shut down (process exit)
            with self._lock:
                self._keys.discard(key)
            return False
        with self._lock:
            if not future.done():
                self._running.add(future)
        future.add_done_callback(self._finished)
        return True

    def settle(self, timeout: float = 10.0) -> bool:
        """Wait for the tasks started so far (tests, shutdown); True when all have finished."""
        with self._lock:
            running = list(self._running)
        return not wait(running, timeout=timeout).not_done

    def _run(self, key: str, task: Callable[[], object]) -> None:
        try:
            task()
        except Exception:  # a background task's failure must be seen in the log, not lost
            log.exception("background task failed", extra={"ctx": {"task": getattr(task, "__name__", "")}})
        finally:
            with self._lock:
                self._keys.discard(key)

    def _finished(self, future: Future) -> None:
        with self._lock:
            self._running.discard(future)
