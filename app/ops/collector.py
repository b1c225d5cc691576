"""Metrics read from the database at scrape time: the order queue and the embedded alerts.

Queue depth and the age of the oldest ready job are facts of the shared queue, not of one
process, so they are read when Prometheus scrapes (two grouped queries) instead of being kept
by whichever process happened to touch the queue last.
"""
from __future__ import annotations

import logging
from collections.abc import Iterator

import sqlalchemy as sa
from prometheus_client.core import GaugeMetricFamily, Metric

from app.clock import Clock
from app.ops.tables import ops_alert_states
from app.orders.queue import CREATE_ORDER, DEAD, QUEUED, RUNNING, WRITE_BACK
from app.orders.tables import order_jobs
from app.storage.db import Database

log = logging.getLogger("erp_panel.ops")

QUEUE_STATES = ("ready", "delayed", "running", "dead")


class DatabaseCollector:
    """A prometheus-client collector over the app database (queue, embedded alert states)."""

    def __init__(self, db: Database, clock: Clock):
        self.db = db
        self.clock = clock

    def collect(self) -> Iterator[Metric]:
        depth = GaugeMetricFamily("erp_panel_order_queue_depth", "Order jobs by kind and state (ready: due now; "
                                  "delayed: waiting for a retry; running: leased; dead: given up)",
                                  labels=["kind", "state"])
        oldest = GaugeMetricFamily("erp_panel_order_queue_oldest_ready_age_seconds", "How long the oldest ready "
                                   "order job has been due without a worker taking it (0 when none)",
                                   labels=["kind"])
        firing = GaugeMetricFamily("erp_panel_embedded_alerts_firing", "Tenants for which an embedded alert "
                                   "rule is firing, by rule", labels=["rule"])
        try:
            counts, ages, rules = self._read()
        except sa.exc.SQLAlchemyError as exc:
            log.warning("metrics could not read the database", extra={"ctx": {"error_type": type(exc).__name__}})
            return
        for kind in (CREATE_ORDER, WRITE_BACK):
            for state in QUEUE_STATES:
                depth.add_metric([kind, state], counts.get((kind, state), 0))
            oldest.add_metric([kind], ages.get(kind, 0.0))
        for rule, count in sorted(rules.items()):
            firing.add_metric([rule], count)
        yield depth
        yield oldest
        yield firing

    def _read(self) -> tuple[dict[tuple[str, str], int], dict[str, float], dict[str, int]]:
        now = self.clock.now()
        jobs = order_jobs.c
        ready = sa.or_(sa.and_(jobs.status == QUEUED, jobs.run_after <= now),
                       sa.and_(jobs.status == RUNNING, jobs.lease_expires_at <= now))
        state = sa.case((ready, "ready"), (jobs.status == QUEUED, "delayed"), (jobs.status == RUNNING, "running"),
                        else_="dead").label("state")
        with self.db.read() as conn:
            rows = conn.execute(sa.select(jobs.kind, state, sa.func.count().label("n"),
                                          sa.func.min(jobs.run_after).label("oldest"))
                                .where(jobs.status.in_((QUEUED, RUNNING, DEAD)))
                                .group_by(jobs.kind, state)).all()
            rules: dict[str, int] = dict(conn.execute(sa.select(ops_alert_states.c.rule, sa.func.count())
                                      .where(ops_alert_states.c.firing.is_(True))
                                      .group_by(ops_alert_states.c.rule)).all())
        counts = {(r.kind, r.state): int(r.n) for r in rows}
        ages = {r.kind: max((now - r.oldest).total_seconds(), 0.0) for r in rows if r.state == "ready" and r.oldest}
        return counts, ages, {str(k): int(v) for k, v in rules.items()}
