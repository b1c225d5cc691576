"""Deals that moved away from won after their order existed: since when, their CRM status, and when an admin
requested the order's cancellation.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("order_records") as batch:
        batch.add_column(sa.Column("not_won_since", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("not_won_status", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("cancel_requested_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("order_records") as batch:
        batch.drop_column("cancel_requested_at")
        batch.drop_column("not_won_status")
        batch.drop_column("not_won_since")
