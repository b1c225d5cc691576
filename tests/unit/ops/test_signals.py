"""Signals are counted in memory, written in batches per one-minute bucket, and survive a failed write."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.ops.signals import AUTH_FAILURE, READ_OK, Signals
from app.ops.tables import ops_counts


def rows(services) -> list[tuple]:
    with services.db.read() as conn:
        return [(r.tenant_id, r.bucket.strftime("%H:%M"), r.signal, r.subject, r.events)
                for r in conn.execute(sa.select(ops_counts).order_by(ops_counts.c.bucket, ops_counts.c.signal))]


def test_counts_wait_for_the_flush_interval_then_land_in_minute_buckets(services, clock):
    signals = Signals(services.db, clock, flush_interval=10)
    signals.add("t1", READ_OK, "credit")
    signals.add("t1", READ_OK, "credit")
    assert rows(services) == []                                   # buffered: no write per read
    clock.advance(10)
    signals.add("t1", READ_OK, "credit")                          # due: this one flushes all three
    assert rows(services) == [("t1", "12:00", READ_OK, "credit", 3)]
    clock.advance(50)
    signals.add("t1", READ_OK, "credit", n=2)
    signals.flush()
    assert rows(services) == [("t1", "12:00", READ_OK, "credit", 3), ("t1", "12:01", READ_OK, "credit", 2)]
    signals.add("t1", READ_OK, "credit")                          # same bucket again: added, not replaced
    signals.flush()
    assert rows(services)[-1] == ("t1", "12:01", READ_OK, "credit", 3)


def test_an_auth_failure_is_written_at_once(services, clock):
    Signals(services.db, clock).add("t1", AUTH_FAILURE, "erp", urgent=True)
    assert rows(services) == [("t1", "12:00", AUTH_FAILURE, "erp", 1)]


def test_a_failed_write_keeps_the_counts_for_the_next_flush(services, clock, monkeypatch):
    signals = Signals(services.db, clock)
    signals.add("t1", READ_OK)
    real_write = services.db.write

    def broken():
        raise sa.exc.OperationalError("INSERT", {}, Exception("database is locked"))
    monkeypatch.setattr(services.db, "write", broken)
    assert signals.flush() == 0
    monkeypatch.setattr(services.db, "write", real_write)
    assert signals.flush() == 1 and rows(services) == [("t1", "12:00", READ_OK, "", 1)]


def test_background_flushing_stops_and_writes_what_is_left(services, clock):
    signals = Signals(services.db, clock, flush_interval=3600)
    signals.start_background()
    signals.add("t1", READ_OK)
    signals.stop_background()
    assert rows(services) == [("t1", "12:00", READ_OK, "", 1)]


def test_events_without_a_tenant_are_not_recorded(services, clock):
    signals = Signals(services.db, clock)
    signals.add("", READ_OK, urgent=True)
    assert rows(services) == []


@pytest.mark.postgres
def test_bucket_upserts_add_up_on_postgresql(pg_url, clock):
    from app.storage.db import Database
    from app.storage.schema import upgrade
    db = Database(pg_url)
    upgrade(db)
    try:
        for _ in range(2):
            signals = Signals(db, clock)
            signals.add("t1", READ_OK, "stock", n=2)
            signals.flush()
        with db.read() as conn:
            assert conn.execute(sa.select(ops_counts.c.events)).scalar() == 4
    finally:
        db.dispose()
