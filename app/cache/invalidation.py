"""Tells every process that a tenant's state changed, so in-process copies are dropped.

``Invalidations`` delivers to the listeners of this process only; other processes then
rely on the tenant cache's short max age. ``RedisInvalidations`` also publishes on a
Redis pub/sub channel and runs one subscriber thread per process: a change made in one
process reaches the others within milliseconds. Pub/sub is fire-and-forget, so while
the subscription is down ``connected`` is False (the cache falls back to the short max
age) and, once it is back, every listener is told to drop everything ("*"), since
messages sent meanwhile are lost.
"""
from __future__ import annotations

import logging
import os
import threading
import uuid
from collections.abc import Callable
from typing import Any

log = logging.getLogger("erp_panel.cache")

#: the message that means "drop every tenant" (after a gap in the subscription)
EVERYTHING = "*"
#: seconds between attempts to subscribe again after the subscription broke
RESUBSCRIBE_SECONDS = 2.0


class Invalidations:
    """Change notices within this process (no channel to other processes)."""

    def __init__(self) -> None:
        self._listeners: list[Callable[[str], None]] = []

    def listen(self, listener: Callable[[str], None]) -> None:
        """Call ``listener(tenant_id)`` for every change notice (``EVERYTHING`` for all tenants)."""
        self._listeners.append(listener)

    @property
    def connected(self) -> bool:
        """True while notices from other processes arrive (never, without a shared channel)."""
        return False

    def publish(self, tenant_id: str) -> None:
        """Tell this process's listeners (at once) and, with a channel, every other process."""
        self._deliver(tenant_id)

    def _deliver(self, tenant_id: str) -> None:
        for listener in self._listeners:
            try:
                listener(tenant_id)
            except Exception:  # one listener's bug must not stop the others' invalidation
                log.exception("a cache invalidation listener failed")

    def close(self) -> None:
        """Stop listening for other processes' notices."""


class RedisInvalidations(Invalidations):
    """Change notices over Redis pub/sub (channel ``<namespace>invalidate``)."""

    def __init__(self, client: Any, namespace: str, *, resubscribe_seconds: float = RESUBSCRIBE_SECONDS):
        super().__init__()
        self.client = client
        self.channel = f"{namespace}invalidate"
        self.resubscribe_seconds = resubscribe_seconds
        #: our own notices carry this prefix and are not delivered twice
        self._origin = uuid.uuid4().hex[:12]
        self._connected = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid = 0
        self._start_lock = threading.Lock()
        #: subscriptions made so far (tests wait on it; a new one means the previous one broke)
        self.subscriptions = 0

    @property
    def connected(self) -> bool:
        self.start()
        return self._connected.is_set()

    def wait_connected(self, timeout: float = 5.0) -> bool:
        """Block until the subscription is up (start-up, tests)."""
        self.start()
        return self._connected.wait(timeout)

    def start(self) -> None:
        """Start the subscriber thread in this process (again after a fork: threads do not survive one)."""
        if self._pid == os.getpid() or self._stop.is_set():
            return
        with self._start_lock:
            if self._pid == os.getpid():
                return
            self._pid = os.getpid()
            self._connected.clear()
            self._thread = threading.Thread(target=self._run, name="erp-panel-invalidations", daemon=True)
            self._thread.start()

    def publish(self, tenant_id: str) -> None:
        self._deliver(tenant_id)
        try:
            self.client.publish(self.channel, f"{self._origin}:{tenant_id}")
        except Exception as exc:  # noqa: BLE001 - redis errors vary; the others catch up by max age
            log.warning("could not publish a cache invalidation; other processes see the change "
                        "when their copy reaches its max age", extra={"ctx": {"error_type": type(exc).__name__}})

    def _run(self) -> None:
        while not self._stop.is_set():
            pubsub = None
            try:
                pubsub = self.client.pubsub()
                pubsub.subscribe(self.channel)
                while not self._stop.is_set():
                    message = pubsub.get_message(timeout=1.0)
                    if message is not None:
                        self._handle(message)
            except Exception as exc:  # noqa: BLE001 - any failure: resubscribe after a pause
                if self._connected.is_set():
                    log.warning("cache invalidation channel lost; using the short max age until it is back",
                                extra={"ctx": {"error_type": type(exc).__name__}})
                self._connected.clear()
            finally:
                if pubsub is not None:
                    try:
                        pubsub.close()
                    except Exception:  # noqa: BLE001, S110 - closing a broken connection
                        pass
            self._stop.wait(self.resubscribe_seconds)

    def _handle(self, message: dict) -> None:
        if message.get("type") == "subscribe":
            self.subscriptions += 1
            # anything cached before this point may have missed notices sent while we were not listening
            self._deliver(EVERYTHING)
            self._connected.set()
            return
        if message.get("type") != "message":
            return
        data = message.get("data")
        text = data.decode() if isinstance(data, bytes) else str(data)
        origin, _, tenant_id = text.partition(":")
        if tenant_id and origin != self._origin:
            self._deliver(tenant_id)

    def close(self) -> None:
        self._stop.set()
        self._connected.clear()
        if self._thread is not None and self._thread.is_alive() and self._pid == os.getpid():
            self._thread.join(3)
