"""Waking idle order workers when a job becomes ready, instead of waiting for their next poll.

In one process: ``Wakeup`` (intake and finished jobs notify it). Across processes on PostgreSQL:
``listen_for_jobs`` LISTENs on the channel the queue NOTIFYs when it enqueues a job that is due now
(https://www.postgresql.org/docs/current/sql-notify.html: notifications are delivered when the
sending transaction commits). Polling every WORKER_POLL_INTERVAL stays as the fallback: a lost
notification or a listener that cannot connect only costs latency, never a job.
"""
from __future__ import annotations

import logging
import threading

import sqlalchemy as sa

log = logging.getLogger("erp_panel.orders")

#: seconds between attempts to re-open a failed LISTEN connection
RECONNECT_SECONDS = 5.0


class Wakeup:
    """A generation counter: ``wait(seen)`` returns once anything notified after ``seen`` was read."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._generation = 0

    def generation(self) -> int:
        with self._changed:
            return self._generation

    def notify(self) -> None:
        with self._changed:
            self._generation += 1
            self._changed.notify_all()

    def wait(self, seen: int, timeout: float) -> int:
        """Block until notified after ``seen`` (or ``timeout`` seconds); returns the current generation."""
        with self._changed:
            self._changed.wait_for(lambda: self._generation != seen, timeout)
            return self._generation


def listen_for_jobs(engine: sa.Engine, channel: str, wakeup: Wakeup, stop: threading.Event) -> None:
    """LISTEN on ``channel`` until ``stop`` is set, notifying ``wakeup`` for every notification.

    Runs in its own thread on its own autocommit connection (psycopg 3's ``notifies`` generator);
    after a connection failure it logs once and tries again every RECONNECT_SECONDS.
    """
    import psycopg

    conninfo = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    failing = False
    while not stop.is_set():
        try:
            with psycopg.connect(conninfo, autocommit=True, connect_timeout=5) as conn:
                conn.execute(f'LISTEN "{channel}"')
                if failing:
                    log.info("listening for ready order jobs again")
                failing = False
                wakeup.notify()          # jobs may have arrived while we were not listening
                while not stop.is_set():
                    for _ in conn.notifies(timeout=1.0):
                        wakeup.notify()
        except psycopg.Error as exc:
            if not failing:
                log.warning("cannot listen for ready order jobs; polling only", extra={"ctx": {
                    "error_type": type(exc).__name__}})
            failing = True
            stop.wait(RECONNECT_SECONDS)
