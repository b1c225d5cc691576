"""Order status after creation: the order's stage and facts on its record, the order timeline, per-tenant
status polls, per-tenant task names in ``ops_tasks``, and the sandbox ERP's order progress.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("order_records") as batch:
        batch.add_column(sa.Column("order_stage", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("order_progress", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("stage_seen_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "order_timeline",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("crm_deal_id", sa.String(length=100), nullable=False),
        sa.Column("order_number", sa.String(length=100), nullable=False),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_timeline")))
    op.create_index("ix_order_timeline_deal", "order_timeline", ["tenant_id", "crm_deal_id"])
    op.create_table(
        "status_polls",
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("interval_seconds", sa.Integer(), nullable=False),
        sa.Column("unchanged_polls", sa.Integer(), nullable=False),
        sa.Column("last_polled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("tenant_id", name=op.f("pk_status_polls")))
    with op.batch_alter_table("ops_tasks") as batch:
        batch.alter_column("task", type_=sa.String(length=80), existing_type=sa.String(length=40),
                           existing_nullable=False)
    with op.batch_alter_table("sandbox_orders") as batch:
        batch.add_column(sa.Column("progress", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sandbox_orders") as batch:
        batch.drop_column("progress")
    with op.batch_alter_table("ops_tasks") as batch:
        batch.alter_column("task", type_=sa.String(length=40), existing_type=sa.String(length=80),
                           existing_nullable=False)
    op.drop_table("status_polls")
    op.drop_index("ix_order_timeline_deal", "order_timeline")
    op.drop_table("order_timeline")
    with op.batch_alter_table("order_records") as batch:
        batch.drop_column("stage_seen_at")
        batch.drop_column("order_progress")
        batch.drop_column("order_stage")
