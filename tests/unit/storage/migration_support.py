"""Helpers for the migration tests: installed (pre-Alembic) databases and schema comparison."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from app.storage import migrations
from app.storage.db import Database
from app.storage.schema import load_tables

#: Dumps of a database created by commit d9fef75 (create_all + schema_version 1) with rows in every
#: table; see make_fixture.py there for how they were made.
INSTALLED = Path(__file__).resolve().parents[2] / "fixtures" / "schema_d9fef75"
BOOKKEEPING = {"alembic_version", "schema_version"}
#: columns later revisions renamed: (table, old name) -> new name (revision 0004: one name per concept)
RENAMED = {("tenants", "crm_account_key"): "installation_id", ("sandbox_orders", "external_ref"): "idempotency_key"}

ADD_A_REVISION = (
    "The models and the migrations differ:\n{diff}\n"
    "Every table, column, key or index change needs a revision: run\n"
    "    .venv/bin/erp-panel db revision -m 'what changed'\n"
    "which writes app/storage/migrations/versions/NNNN_what_changed.py from the difference between the "
    "models and the current head; review it (batch mode, data moves), then commit it. "
    "README section 'Schema migrations' has the details."
)


def installed_database(url: str) -> Database:
    """A database exactly as a pre-Alembic release left it (schema, rows, sequences)."""
    db = Database(url)
    if db.dialect == "sqlite":
        raw = sqlite3.connect(str(db.engine.url.database))
        raw.executescript((INSTALLED / "sqlite.sql").read_text(encoding="utf-8"))
        raw.close()
        return db
    with db.engine.connect() as conn:
        schema = conn.exec_driver_sql("SELECT current_schema()").scalar()
        dump = (INSTALLED / "postgresql.sql").read_text(encoding="utf-8").replace("__SCHEMA__", f'"{schema}"')
        driver = conn.connection.driver_connection
        driver.execute(dump)
        driver.commit()
        conn.invalidate()   # the dump empties search_path for its session: never hand that connection out
    return db


def table_rows(db: Database) -> dict[str, list[dict]]:
    """Every row of every app table, as the database stores it (no type processing), in a stable order."""
    with db.read() as conn:
        names = sorted(set(sa.inspect(conn).get_table_names()) - BOOKKEEPING)
        return {name: sorted((dict(row) for row in conn.execute(sa.text(f'SELECT * FROM "{name}"')).mappings()),
                             key=repr)
                for name in names}


def renamed(table: str, rows: list[dict]) -> list[dict]:
    """Rows with the columns later revisions renamed under their new names."""
    return sorted(({RENAMED.get((table, column), column): value for column, value in row.items()} for row in rows),
                  key=repr)


def rows_kept(before: dict[str, list[dict]], after: dict[str, list[dict]]) -> bool:
    """Every table that existed keeps exactly its rows (every column they had keeps its value, a renamed one
    under its new name; a column added by a later revision may hold its default); tables added by later
    revisions start empty."""
    for name, rows in before.items():
        rows = renamed(name, rows)
        columns = set(rows[0]) if rows else set()
        projected = sorted(({k: v for k, v in row.items() if k in columns} for row in after.get(name) or []),
                           key=repr)
        if projected != rows:
            return False
    return not any(after[name] for name in after.keys() - before.keys())


def schema_differences(db: Database) -> list:
    """Alembic autogenerate's differences between the database and the models ([] when equal)."""
    metadata = load_tables()
    with db.read() as conn:
        context = MigrationContext.configure(conn, opts=migrations.context_options(metadata))
        return compare_metadata(context, metadata)
