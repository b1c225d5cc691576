"""Alembic environment: runs the revisions on the connection erp-panel hands over.

Run migrations with ``erp-panel db upgrade`` (or let the app do it at start-up): that path
holds the schema-change lock. Offline (``--sql``) mode is not offered: batch migrations on
SQLite need to read the live table.
"""
from __future__ import annotations

from alembic import context

from app.storage.migrations import context_options
from app.storage.schema import load_tables

connection = context.config.attributes.get("connection")
if context.is_offline_mode() or connection is None:
    raise RuntimeError("run migrations with `erp-panel db upgrade` (it holds the schema-change lock); "
                       "offline --sql mode is not supported")

context.configure(connection=connection, **context_options(load_tables()))
with context.begin_transaction():
    context.run_migrations()
