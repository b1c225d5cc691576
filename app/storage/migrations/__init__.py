"""Alembic wiring: where the revisions live and how they are run and written.

The revisions in ``versions/`` ship inside the package; no alembic.ini is needed. erp-panel
hands Alembic an open connection (inside its schema-change transaction, see
``app.storage.schema.upgrade``), so ``env.py`` never opens one of its own.
"""
from __future__ import annotations

import os
from typing import Any

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from app.storage.metadata import UTCDateTime

MIGRATIONS_DIR = os.path.dirname(os.path.abspath(__file__))
VERSIONS_DIR = os.path.join(MIGRATIONS_DIR, "versions")


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic Config for the packaged revisions, optionally bound to an open connection."""
    config = Config()
    config.set_main_option("script_location", MIGRATIONS_DIR)
    # Files are named <rev>_<slug>.py with sequential revision ids (0001, 0002, ...).
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    config.set_main_option("truncate_slug_length", "50")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def script_directory() -> ScriptDirectory:
    """The revisions shipped with this package."""
    return ScriptDirectory.from_config(alembic_config())


def next_revision_id(script: ScriptDirectory) -> str:
    """The next sequential revision id: one more than the number of revisions so far, 4 digits."""
    return f"{len(list(script.walk_revisions())) + 1:04d}"


def render_item(type_: str, obj: Any, _autogen_context: Any) -> str | bool:
    """Autogenerate hook: write app column types as plain SQLAlchemy types.

    Revisions are frozen history; they must not import app code that later changes.
    """
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def context_options(target_metadata: Any) -> dict[str, Any]:
    """Options every migration context gets (env.py and the schema test use the same)."""
    return {
        "target_metadata": target_metadata,
        # SQLite cannot ALTER most things: batch mode copies the table (move-and-copy).
        "render_as_batch": True,
        "compare_type": True,
        "render_item": render_item,
    }
