"""PostgreSQL pool: connections in steady use are not pinged (a round trip per transaction saved);
one that sat idle is pinged, and replaced when it died meanwhile (server restart, idle timeout)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.storage import db as db_module
from app.storage.db import Database

pytestmark = pytest.mark.postgres


@pytest.fixture
def database(pg_url):
    database = Database(pg_url)
    yield database
    database.dispose()


def _backend_pid(database) -> int:
    with database.read() as conn:
        return conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()


def test_connections_in_steady_use_are_not_pinged(database, monkeypatch):
    pings = []
    real_ping = database.engine.dialect.do_ping
    monkeypatch.setattr(database.engine.dialect, "do_ping", lambda conn: pings.append(1) or real_ping(conn))
    for _ in range(5):
        _backend_pid(database)
    assert pings == []


def test_an_idle_connection_that_died_is_replaced_before_use(database, pg_url, monkeypatch):
    first = _backend_pid(database)
    admin = sa.create_engine(db_module.normalise_url(pg_url))
    with admin.begin() as conn:
        assert conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": first}).scalar()
    admin.dispose()
    monkeypatch.setattr(db_module, "PING_AFTER_IDLE_SECONDS", -1.0)     # as if it had idled past the limit
    assert _backend_pid(database) != first                             # pinged, found dead, reconnected
