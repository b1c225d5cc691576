"""One name per concept: ``tenants.installation_id`` (was crm_account_key) and
``sandbox_orders.idempotency_key`` (was external_ref).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    # two batches: SQLite recreates the table, and a constraint must name columns the new table already has
    with op.batch_alter_table("tenants") as batch:
        batch.drop_constraint("uq_tenants_crm_account", type_="unique")
        batch.alter_column("crm_account_key", new_column_name="installation_id",
                           existing_type=sa.String(length=100), existing_nullable=False)
    with op.batch_alter_table("tenants") as batch:
        batch.create_unique_constraint("uq_tenants_crm_installation", ["crm", "installation_id"])
    with op.batch_alter_table("sandbox_orders") as batch:
        batch.drop_index("ix_sandbox_orders_external_ref")
        batch.alter_column("external_ref", new_column_name="idempotency_key",
                           existing_type=sa.String(length=140), existing_nullable=False)
    op.create_index("ix_sandbox_orders_idempotency_key", "sandbox_orders", ["idempotency_key"])


def downgrade() -> None:
    op.drop_index("ix_sandbox_orders_idempotency_key", "sandbox_orders")
    with op.batch_alter_table("sandbox_orders") as batch:
        batch.alter_column("idempotency_key", new_column_name="external_ref",
                           existing_type=sa.String(length=140), existing_nullable=False)
    op.create_index("ix_sandbox_orders_external_ref", "sandbox_orders", ["external_ref"])
    with op.batch_alter_table("tenants") as batch:
        batch.drop_constraint("uq_tenants_crm_installation", type_="unique")
        batch.alter_column("installation_id", new_column_name="crm_account_key",
                           existing_type=sa.String(length=100), existing_nullable=False)
    with op.batch_alter_table("tenants") as batch:
        batch.create_unique_constraint("uq_tenants_crm_account", ["crm", "crm_account_key"])
