"""Imports every table module so MetaData knows the whole schema, and applies it.

``erp-panel db upgrade`` calls ``upgrade``: it creates missing tables and
records the schema version; later versions add ALTER steps to MIGRATIONS.
"""
from __future__ import annotations

import sqlalchemy as sa

from app.plugins import import_optional
from app.storage.db import Database
from app.storage.metadata import UTCDateTime, metadata

TABLE_MODULES = [
    "app.tenants.tables",
    "app.erp.sandbox.orders",
    "app.erp.sandbox.switches",
    "app.crm.demo.tables",
    "app.orders.tables",
    "app.cache.flush_backlog",
]

schema_version = sa.Table(
    "schema_version", metadata,
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("applied_at", UTCDateTime, nullable=False),
)

#: version -> list of SQL statements to run after create_all (for columns added later)
MIGRATIONS: dict[int, list[str]] = {1: []}
CURRENT_VERSION = max(MIGRATIONS)
SCHEMA_LOCK_ID = 746_173_001   # arbitrary constant: the advisory lock key for schema upgrades


def load_tables() -> sa.MetaData:
    for module in TABLE_MODULES:
        import_optional(module)
    return metadata


def upgrade(db: Database, now) -> int:
    """Create or migrate the schema; returns the resulting version."""
    load_tables()
    with db.write() as conn:
        # Several processes (gunicorn workers, workers) may start at once: serialise schema changes.
        if db.is_postgres:
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({SCHEMA_LOCK_ID})")
        metadata.create_all(conn)
        applied = {r.version for r in conn.execute(sa.select(schema_version.c.version)).all()}
        for version in sorted(MIGRATIONS):
            if version in applied:
                continue
            for statement in MIGRATIONS[version]:
                conn.exec_driver_sql(statement)
            conn.execute(schema_version.insert().values(version=version, applied_at=now))
    return CURRENT_VERSION


def current_version(db: Database) -> int | None:
    inspector = sa.inspect(db.engine)
    if not inspector.has_table("schema_version"):
        return None
    with db.read() as conn:
        return conn.execute(sa.select(sa.func.max(schema_version.c.version))).scalar()
