"""Cache flushes waiting for Redis, and the sandbox ERP's demo switches shared by every process.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "cache_flush_backlog",
        sa.Column("prefix", sa.String(length=200), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("prefix", name=op.f("pk_cache_flush_backlog")),
    )
    op.create_table(
        "sandbox_switches",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("down", sa.Boolean(), nullable=False),
        sa.Column("latency_ms", sa.Float(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_sandbox_switches")),
    )


def downgrade() -> None:
    op.drop_table("sandbox_switches")
    op.drop_table("cache_flush_backlog")
