"""Installed databases upgrade to head without loss; fresh databases equal the models (SQLite + PostgreSQL)."""
from __future__ import annotations

import re
import sqlite3
import threading
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa
from alembic import command
from click.testing import CliRunner
from cryptography.fernet import Fernet

from app.cli import main
from app.erp.sandbox.orders import SqlOrderBook
from app.storage import migrations
from app.storage.db import Database, SchemaError
from app.storage.schema import current_version, head_revision, load_tables, upgrade
from app.tenants.tables import tenants
from tests.unit.storage.migration_support import (
    ADD_A_REVISION,
    INSTALLED,
    installed_database,
    rows_kept,
    schema_differences,
    table_rows,
)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request, tmp_path) -> str:
    """An empty database on each backend (PostgreSQL: a private schema)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/db.sqlite3"
    return request.getfixturevalue("pg_url")


def test_installed_database_upgrades_to_head_and_keeps_every_row(database_url):
    db = installed_database(database_url)
    before = table_rows(db)
    assert len(before) == 12 and all(before.values()), "the fixture has rows in every table"
    assert current_version(db) is None

    assert upgrade(db) == head_revision() == current_version(db)

    assert rows_kept(before, table_rows(db))
    assert "schema_version" not in sa.inspect(db.engine).get_table_names()
    differences = schema_differences(db)
    assert differences == [], ADD_A_REVISION.format(diff="\n".join(map(str, differences)))
    with db.read() as conn:   # the current code reads the old rows through its own types
        for table in load_tables().sorted_tables:
            conn.execute(sa.select(table)).all()
        cafe = conn.execute(sa.select(tenants).where(tenants.c.crm == "pipedrive")).one()
    assert cafe.name == "Café Ünïcode GmbH 🚀" and cafe.settings["credit_hold_policy"] == "create_and_flag"
    assert cafe.created_at == datetime(2024, 3, 1, 9, 30, 15, tzinfo=UTC)
    # sequences (PostgreSQL) / rowids (SQLite) carry on after the rows that were there
    order = SqlOrderBook(db).add(idempotency_key="after-upgrade", customer_id="C", currency="EUR",
                                 total=Decimal("1"), status="Draft", lines=[], correlation_id="",
                                 created_at=cafe.created_at)
    assert order.order_number == "SO-00003"
    db.dispose()


def test_fresh_database_upgraded_to_head_equals_the_models(database_url):
    db = Database(database_url)
    assert current_version(db) is None
    assert upgrade(db) == head_revision()
    differences = schema_differences(db)
    assert differences == [], ADD_A_REVISION.format(diff="\n".join(map(str, differences)))
    assert upgrade(db) == head_revision()   # a second start finds nothing to do
    db.dispose()


@pytest.mark.postgres
def test_several_processes_upgrading_an_installed_database_at_once(pg_url):
    """gunicorn workers and the worker start together on an installed database: one stamps and upgrades."""
    installed = installed_database(pg_url)
    before = table_rows(installed)
    installed.dispose()
    results, errors, start = [], [], threading.Barrier(4)

    def boot():
        db = Database(pg_url)
        start.wait()
        try:
            results.append(upgrade(db))
        except Exception as exc:  # noqa: BLE001 - a thread's error is collected and reported below  # pragma: no cover
            errors.append(exc)
        finally:
            db.dispose()

    threads = [threading.Thread(target=boot) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == [] and results == [head_revision()] * 4
    after = Database(pg_url)
    try:
        assert rows_kept(before, table_rows(after))
    finally:
        after.dispose()


def test_the_baseline_revision_creates_exactly_the_installed_schema(tmp_path):
    """Stamping an installed database at the baseline is only right if the baseline IS that schema."""
    fresh = Database(f"sqlite:///{tmp_path}/fresh.sqlite3")
    with fresh.schema_change(1) as conn:
        command.upgrade(migrations.alembic_config(conn), "0001")
    fresh.dispose()
    installed = tmp_path / "installed.sqlite3"
    sqlite3.connect(installed).executescript((INSTALLED / "sqlite.sql").read_text(encoding="utf-8"))

    def ddl(path) -> dict[str, str]:
        rows = sqlite3.connect(path).execute("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL")
        return {name: re.sub(r"\s+", " ", sql) for name, sql in rows if name != "alembic_version"}

    assert ddl(tmp_path / "fresh.sqlite3") == ddl(installed)


def test_an_unknown_pre_alembic_version_is_refused_untouched(tmp_path):
    db = installed_database(f"sqlite:///{tmp_path}/db.sqlite3")
    with db.write() as conn:
        conn.exec_driver_sql("INSERT INTO schema_version VALUES (2, '2024-03-04 00:00:00')")
    with pytest.raises(SchemaError, match="schema_version says version 2"):
        upgrade(db)
    assert current_version(db) is None and "schema_version" in sa.inspect(db.engine).get_table_names()


def test_cli_db_upgrade_says_why_it_refuses(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path}/db.sqlite3"
    installed = installed_database(url)
    with installed.write() as conn:
        conn.exec_driver_sql("UPDATE schema_version SET version = 7")
    installed.dispose()
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("ENCRYPTION_KEYS", Fernet.generate_key().decode())
    result = CliRunner().invoke(main, ["db", "upgrade"])
    assert result.exit_code == 2 and "schema_version says version 7" in result.output
