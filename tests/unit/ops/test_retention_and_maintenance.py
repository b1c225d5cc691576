"""Retention deletes only rows past their age, in small batches; periodic tasks run once per interval across workers."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.ops.maintenance import ALERTS_TASK, RETENTION_TASK, Maintenance, TaskClaims
from app.ops.retention import Retention, Target, default_targets
from app.ops.signals import READ_OK
from app.ops.tables import admin_audit, ops_counts
from app.orders.tables import order_audit, order_inbox
from tests.unit.ops.support import sample


def add_rows(services, days_old: list[float]) -> None:
    now = services.clock.now()
    with services.db.write() as conn:
        for n, age in enumerate(days_old):
            when = now - timedelta(days=age)
            conn.execute(order_inbox.insert().values(
                tenant_id="t1", event_id=f"e{n}", crm_deal_id=f"D{n}", crm="demo", occurred_at=when,
                received_at=when, correlation_id="c"))
            conn.execute(order_audit.insert().values(
                tenant_id="t1", crm_deal_id=f"D{n}", correlation_id="c", step="intake", outcome="accepted", at=when))
            conn.execute(ops_counts.insert().values(tenant_id="t1", bucket=when, signal=READ_OK, subject=f"s{n}",
                                                    events=1))
            conn.execute(admin_audit.insert().values(tenant_id="t1", at=when, actor="admin-1", source="admin_api",
                                                     action="link.save", target=f"ACC-{n}", before="", after="",
                                                     detail=""))


def remaining(services, table: sa.Table) -> int:
    with services.db.read() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar()


def test_only_rows_past_their_age_are_deleted(services):
    add_rows(services, [0, 7.9, 8.1, 89.9, 90.1, 400])
    deleted = Retention(services.db, services.clock, default_targets(services.settings)).run_once()
    assert deleted == {"order_inbox": 2, "order_audit": 2, "admin_audit": 2, "ops_counts": 4}
    assert remaining(services, order_inbox) == 4 and remaining(services, order_audit) == 4
    assert remaining(services, admin_audit) == 4                 # admin actions: RETENTION_DAYS_AUDIT too
    assert remaining(services, ops_counts) == 2                  # signals are kept 8 days


def test_deletes_run_in_small_batches_and_stop_after_max_batches(services):
    add_rows(services, [100] * 7)
    before = sample("erp_panel_retention_deleted_rows_total", table="order_audit")
    batches = []
    real_write = services.db.write

    def counting_write():
        batches.append(1)
        return real_write()
    services.db.write = counting_write
    retention = Retention(services.db, services.clock, [Target(order_audit, "at", 90)], batch_size=2, max_batches=3)
    assert retention.run_once() == {"order_audit": 6} and len(batches) == 3
    assert retention.run_once() == {"order_audit": 1}           # the next run finishes the job
    assert sample("erp_panel_retention_deleted_rows_total", table="order_audit") == before + 7


def test_retention_days_are_configurable(app_factory):
    services = app_factory(retention_days_inbox=30, retention_days_audit=365).extensions["erp_panel"]
    add_rows(services, [29, 31, 364, 366])
    assert services.ops.retention.run_once() == {"order_inbox": 3, "order_audit": 1, "admin_audit": 1,
                                                 "ops_counts": 4}


def test_a_task_runs_once_per_interval_whichever_worker_asks(services, clock):
    claims = TaskClaims(services.db, clock)
    assert claims.claim(ALERTS_TASK, 60, "worker-a")
    assert not claims.claim(ALERTS_TASK, 60, "worker-b")
    clock.advance(59)
    assert not claims.claim(ALERTS_TASK, 60, "worker-a")
    clock.advance(1)
    assert claims.claim(ALERTS_TASK, 60, "worker-b")


def test_maintenance_ticks_flush_signals_and_run_what_is_due(services, clock):
    runs = []
    tick = Maintenance(TaskClaims(services.db, clock), services.ops.signals, alerts=lambda: runs.append("alerts"),
                       retention=lambda: runs.append("retention"), alert_interval=60)
    services.ops.signals.add("t1", READ_OK)
    assert tick.tick("a") == [ALERTS_TASK, RETENTION_TASK] and remaining(services, ops_counts) == 1
    assert tick.tick("b") == []
    clock.advance(60)
    assert tick.tick("b") == [ALERTS_TASK]
    assert runs == ["alerts", "retention", "alerts"]


def test_embedded_alerts_can_be_turned_off(app_factory):
    services = app_factory(embedded_alerts=False).extensions["erp_panel"]
    ran = services.ops.maintenance.tick("a")
    assert RETENTION_TASK in ran and ALERTS_TASK not in ran


@pytest.mark.postgres
def test_batched_deletes_on_postgresql(app_factory, pg_url):
    services = app_factory(database_url=pg_url).extensions["erp_panel"]
    add_rows(services, [1, 9, 100, 100])
    retention = Retention(services.db, services.clock, default_targets(services.settings), batch_size=1)
    assert retention.run_once() == {"order_inbox": 2, "order_audit": 2, "admin_audit": 2, "ops_counts": 3}
    claims = TaskClaims(services.db, services.clock)
    assert claims.claim(RETENTION_TASK, 60, "a") and not claims.claim(RETENTION_TASK, 60, "b")
