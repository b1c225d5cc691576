"""The order worker's periodic work: write signals, evaluate alerts, apply retention, poll order status.

Runs in its own thread next to the job threads (``run``), so a worker busy with jobs still
alerts. Several worker processes share the schedule through ``ops_tasks``: a task runs when one
UPDATE moves its ``last_run_at`` past the interval - only one worker wins that compare-and-set
per interval, so alerts are evaluated (and sent) once, not once per worker.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta

import sqlalchemy as sa

from app.clock import Clock
from app.ops.signals import Signals
from app.ops.tables import ops_tasks
from app.storage.db import Database, insert_or_ignore

log = logging.getLogger("erp_panel.ops")

ALERTS_TASK, RETENTION_TASK, STATUS_TASK, RECONCILE_TASK = "alerts", "retention", "order_status", "reconcile"
RETENTION_INTERVAL = 3600          # seconds between retention passes
TICK_SECONDS = 5.0                 # how often the maintenance thread wakes up


class TaskClaims:
    """Interval-based claims of named tasks across processes."""

    def __init__(self, db: Database, clock: Clock):
        self.db = db
        self.clock = clock

    def claim(self, task: str, every_seconds: float, owner: str) -> bool:
        """True when this caller should run ``task`` now (nobody ran it in the last ``every_seconds``)."""
        now = self.clock.now()
        with self.db.write() as conn:
            insert_or_ignore(conn, ops_tasks, {"task": task, "last_run_at": None, "owner": None})
            result = conn.execute(ops_tasks.update().where(
                ops_tasks.c.task == task,
                sa.or_(ops_tasks.c.last_run_at.is_(None),
                       ops_tasks.c.last_run_at <= now - timedelta(seconds=every_seconds)))
                .values(last_run_at=now, owner=owner[:200]))
        return result.rowcount == 1


class Maintenance:
    """One ``tick`` does whatever is due; ``run`` ticks until stopped."""

    def __init__(self, claims: TaskClaims, signals: Signals, *, alerts: Callable[[], object] | None,
                 retention: Callable[[], object], alert_interval: float):
        self.claims = claims
        self.signals = signals
        self.alerts = alerts
        self.retention = retention
        self.alert_interval = alert_interval
        #: order status polls (set by the composition root once the order pipeline exists): each tick polls
        #: the tenants that are due and that this worker claims per tenant
        self.status_polls: Callable[[str], object] | None = None
        #: the daily reconciliation sweep (queues one reconcile job per tenant a day; claimed inside)
        self.reconciliations: Callable[[str], object] | None = None

    def tick(self, owner: str) -> list[str]:
        """Flush signals, then run the tasks that are due and claimed; returns the tasks run."""
        ran = []
        self.signals.flush()
        if self.alerts is not None and self.claims.claim(ALERTS_TASK, self.alert_interval, owner):
            self.alerts()
            ran.append(ALERTS_TASK)
        if self.claims.claim(RETENTION_TASK, RETENTION_INTERVAL, owner):
            self.retention()
            ran.append(RETENTION_TASK)
        if self.status_polls is not None and self.status_polls(owner):
            ran.append(STATUS_TASK)
        if self.reconciliations is not None and self.reconciliations(owner):
            ran.append(RECONCILE_TASK)
        return ran

    def run(self, stop: threading.Event, owner: str, tick_seconds: float = TICK_SECONDS) -> None:
        """Tick every ``tick_seconds`` until ``stop`` is set; errors are logged, never fatal."""
        while not stop.is_set():
            try:
                self.tick(owner)
            except Exception as exc:  # noqa: BLE001 - e.g. the database is briefly unreachable; try again
                log.error("operations maintenance failed", extra={"ctx": {"error_type": type(exc).__name__}})
            stop.wait(tick_seconds)
        self.signals.flush()
