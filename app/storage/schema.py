"""The whole schema (every table module) and its upgrades through Alembic.

``erp-panel db upgrade``, app start-up and the worker call ``upgrade``: it runs the packaged
revisions (``app/storage/migrations/versions``) to head inside one schema-change transaction.
Databases created before Alembic (a ``schema_version`` table at version 1 and no
``alembic_version``) are recognised and stamped at the baseline revision first.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile

import sqlalchemy as sa
from alembic import command
from alembic.runtime.migration import MigrationContext

# Every table module, imported so MetaData knows the whole schema (a missing one is an import error).
from app.cache import flush_backlog as cache_tables
from app.crm.demo import tables as demo_crm_tables
from app.erp.sandbox import orders as sandbox_order_tables
from app.erp.sandbox import switches as sandbox_switch_tables
from app.ops import tables as ops_tables
from app.orders import tables as order_tables
from app.storage import migrations
from app.storage.db import Database, SchemaError
from app.storage.metadata import metadata
from app.tenants import tables as tenant_tables

TABLE_MODULES = (tenant_tables, sandbox_order_tables, sandbox_switch_tables, demo_crm_tables, order_tables,
                 cache_tables, ops_tables)
SCHEMA_LOCK_ID = 746_173_001   # arbitrary constant: the advisory lock key for schema upgrades
BASELINE_REVISION = "0001"     # the schema as the pre-Alembic releases created it
LEGACY_VERSION_TABLE = "schema_version"
LEGACY_VERSION = 1


def load_tables() -> sa.MetaData:
    """The MetaData of every table this release uses."""
    return metadata


def head_revision() -> str:
    """The newest revision shipped with this release."""
    heads = migrations.script_directory().get_heads()
    if len(heads) != 1:
        raise SchemaError(f"the packaged migrations have {len(heads)} heads ({', '.join(heads)}); "
                          "exactly one is required")
    return heads[0]


def upgrade(db: Database) -> str:
    """Bring the schema to head (creating it when the database is empty); returns the head revision.

    Several processes (gunicorn workers, the worker) may start at once: the whole upgrade runs in one
    transaction under the PostgreSQL advisory lock (SQLite: the single writer lock), so the second
    process finds the schema already at head.
    """
    db.ensure_reachable()           # an unreachable database is one DatabaseUnreachable, not a deep traceback
    with db.schema_change(SCHEMA_LOCK_ID) as conn:
        config = migrations.alembic_config(conn)
        if _is_pre_alembic(conn):
            command.stamp(config, BASELINE_REVISION)
        command.upgrade(config, "head")
        return MigrationContext.configure(conn).get_current_revision() or ""


def current_version(db: Database) -> str | None:
    """The database's revision (None for a database Alembic has not touched)."""
    with db.read() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _is_pre_alembic(conn: sa.Connection) -> bool:
    """A database created before Alembic: ``schema_version`` present, no Alembic revision yet."""
    if MigrationContext.configure(conn).get_current_revision() is not None:
        return False
    if not sa.inspect(conn).has_table(LEGACY_VERSION_TABLE):
        return False
    version = conn.exec_driver_sql(f"SELECT max(version) FROM {LEGACY_VERSION_TABLE}").scalar()  # noqa: S608 - a constant table name
    if version != LEGACY_VERSION:
        raise SchemaError(f"{LEGACY_VERSION_TABLE} says version {version}; this release can only adopt "
                          f"version {LEGACY_VERSION} databases")
    return True


def new_revision(message: str, *, autogenerate: bool) -> str:
    """Write a new revision file (developers); returns its path.

    With ``autogenerate`` the models are compared with a scratch SQLite database upgraded to the
    current head, so the revision holds exactly what the models added since. Review it, then commit.
    """
    script = migrations.script_directory()
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{tmp}/revision.sqlite3")
        try:
            upgrade(db)
            with db.schema_change(SCHEMA_LOCK_ID) as conn:
                written = command.revision(migrations.alembic_config(conn), message=message,
                                           autogenerate=autogenerate, rev_id=migrations.next_revision_id(script))
        finally:
            db.dispose()
    path = getattr(written, "path", None)
    if not isinstance(path, str):
        raise SchemaError("alembic did not write a revision file")
    _tidy(path)
    return path


def _tidy(path: str) -> None:
    """Let ruff sort imports and drop unused ones in the generated file, when ruff is installed."""
    ruff = shutil.which("ruff") or os.path.join(os.path.dirname(sys.executable), "ruff")
    if os.path.exists(ruff):
        subprocess.run([ruff, "check", "--fix", "--quiet", path], check=False)  # noqa: S603 - fixed argv, no shell
