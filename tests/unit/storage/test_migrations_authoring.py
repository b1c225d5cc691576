"""Writing revisions: numbering, autogenerate, batch mode on SQLite, downgrades."""
from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from click.testing import CliRunner
from cryptography.fernet import Fernet

from app.cli import main
from app.storage import migrations
from app.storage.db import Database, SchemaError
from app.storage.metadata import metadata
from app.storage.schema import SCHEMA_LOCK_ID, head_revision, upgrade
from app.tenants.tables import erp_connections, tenants
from tests.unit.storage.migration_support import ADD_A_REVISION, schema_differences

T0 = datetime(2024, 3, 1, tzinfo=UTC)


def test_revisions_form_one_numbered_line():
    """Two branches that each added 'the next' revision end up with two heads: renumber and re-parent."""
    script = migrations.script_directory()
    chain = list(reversed(list(script.walk_revisions())))
    assert [r.revision for r in chain] == [f"{n:04d}" for n in range(1, len(chain) + 1)], (
        "revision ids must run 0001, 0002, ... without gaps; after merging two branches renumber yours "
        "(file name, `revision`) and point its `down_revision` at the other branch's last revision")
    assert [r.down_revision for r in chain] == [None] + [r.revision for r in chain[:-1]]
    assert head_revision() == chain[-1].revision


def test_db_revision_autogenerates_a_new_table_into_a_clean_revision(tmp_path, monkeypatch):
    copy = tmp_path / "migrations"
    shutil.copytree(migrations.MIGRATIONS_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(migrations, "MIGRATIONS_DIR", str(copy))
    probe = sa.Table("revision_probe", metadata, sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("label", sa.String(40), nullable=False))
    try:
        db = Database(f"sqlite:///{tmp_path}/db.sqlite3")
        upgrade(db)
        assert [str(d[0]) for d in schema_differences(db)] == ["add_table"]   # the check notices
        assert "erp-panel db revision" in ADD_A_REVISION
        expected_id = f"{int(head_revision()) + 1:04d}"
        result = CliRunner().invoke(main, ["db", "revision", "-m", "Add revision probe"])
        assert result.exit_code == 0, result.output
        written = Path(result.output.split("wrote ", 1)[1].strip())
        assert written.parent == copy / "versions" and written.name == f"{expected_id}_add_revision_probe.py"
        text = written.read_text(encoding="utf-8")
        assert "op.create_table('revision_probe'" in text and "app." not in text
        ruff = Path(sys.executable).parent / "ruff"
        if ruff.exists():
            assert subprocess.run([str(ruff), "check", "--quiet", str(written)]).returncode == 0
        assert upgrade(db) == expected_id and schema_differences(db) == []
        db.dispose()
    finally:
        metadata.remove(probe)


def test_batch_migration_on_sqlite_keeps_rows_of_tables_that_reference_the_copied_one(tmp_path):
    """Batch mode copies the table and drops the original; that DROP must not cascade to children."""
    db = Database(f"sqlite:///{tmp_path}/db.sqlite3")
    upgrade(db)
    with db.write() as conn:
        conn.execute(tenants.insert().values(id="t1", crm="demo", installation_id="c", name="n", status="active",
                                             settings={}, created_at=T0, updated_at=T0))
        conn.execute(erp_connections.insert().values(tenant_id="t1", connector="sandbox", config={}, updated_at=T0))
    with db.schema_change(SCHEMA_LOCK_ID) as conn:
        operations = Operations(MigrationContext.configure(conn, opts={"render_as_batch": True}))
        with operations.batch_alter_table("tenants", recreate="always") as batch:
            batch.add_column(sa.Column("probe", sa.Integer, nullable=True))
    with db.read() as conn:
        assert conn.execute(sa.select(erp_connections.c.tenant_id)).scalars().all() == ["t1"]
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1   # enforcement is back on
    db.dispose()


def test_a_schema_change_leaving_dangling_foreign_keys_is_rolled_back(tmp_path):
    db = Database(f"sqlite:///{tmp_path}/db.sqlite3")
    upgrade(db)
    with pytest.raises(SchemaError, match="dangling foreign keys"):
        with db.schema_change(SCHEMA_LOCK_ID) as conn:
            conn.execute(erp_connections.insert().values(tenant_id="nobody", connector="x", config={},
                                                         updated_at=T0))
    with db.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(erp_connections)).scalar() == 0
    db.dispose()


def test_downgrade_to_empty_and_upgrade_again(tmp_path):
    db = Database(f"sqlite:///{tmp_path}/db.sqlite3")
    upgrade(db)
    with db.schema_change(SCHEMA_LOCK_ID) as conn:
        command.downgrade(migrations.alembic_config(conn), "0001")
    with db.read() as conn:
        assert conn.exec_driver_sql("SELECT version FROM schema_version").scalars().all() == [1]
    with db.schema_change(SCHEMA_LOCK_ID) as conn:
        command.downgrade(migrations.alembic_config(conn), "base")
    assert set(sa.inspect(db.engine).get_table_names()) == {"alembic_version"}
    assert upgrade(db) == head_revision() and schema_differences(db) == []
    db.dispose()


def test_cli_db_current_names_database_and_head(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/cli.sqlite3")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("ENCRYPTION_KEYS", Fernet.generate_key().decode())
    runner = CliRunner()
    assert f"database: none (not created yet); head: {head_revision()}" in runner.invoke(main, ["db", "current"]).output
    runner.invoke(main, ["db", "upgrade"])
    assert f"database: {head_revision()}; head: {head_revision()}" in runner.invoke(main, ["db", "current"]).output
