"""Baseline: the schema as the releases before Alembic created it (metadata.create_all).

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-30

Databases created by those releases are stamped at this revision instead of running it
(recognised by their ``schema_version`` table); every column, key and index here matches
what they have.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def _created_updated() -> list[sa.Column]:
    return [sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False)]


def upgrade() -> None:
    op.create_table(
        "schema_version",
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_schema_version")),
    )
    # -- tenants ------------------------------------------------------------------------
    op.create_table(
        "tenants",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("crm", sa.String(length=20), nullable=False),
        sa.Column("crm_account_key", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        *_created_updated(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tenants")),
        sa.UniqueConstraint("crm", "crm_account_key", name="uq_tenants_crm_account"),
    )
    op.create_table(
        "erp_connections",
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("connector", sa.String(length=30), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("secrets_enc", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_erp_connections_tenant_id_tenants"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("tenant_id", name=op.f("pk_erp_connections")),
    )
    op.create_table(
        "crm_credentials",
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("access_token_enc", sa.Text(), nullable=True),
        sa.Column("refresh_token_enc", sa.Text(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("api_domain", sa.String(length=255), nullable=True),
        sa.Column("scopes", sa.String(length=1000), nullable=False),
        sa.Column("extra_enc", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_crm_credentials_tenant_id_tenants"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("tenant_id", name=op.f("pk_crm_credentials")),
    )
    op.create_table(
        "account_links",
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("crm_account_id", sa.String(length=100), nullable=False),
        sa.Column("erp_customer_id", sa.String(length=140), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_account_links_tenant_id_tenants"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("tenant_id", "crm_account_id", name=op.f("pk_account_links")),
    )
    op.create_table(
        "oauth_states",
        sa.Column("state_hash", sa.String(length=64), nullable=False),
        sa.Column("crm", sa.String(length=20), nullable=False),
        sa.Column("code_verifier_enc", sa.Text(), nullable=True),
        sa.Column("return_to", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("state_hash", name=op.f("pk_oauth_states")),
    )
    # -- sandbox ERP ---------------------------------------------------------------------
    op.create_table(
        "sandbox_orders",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("book", sa.String(length=64), nullable=False),
        sa.Column("external_ref", sa.String(length=140), nullable=False),
        sa.Column("customer_id", sa.String(length=140), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("total", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("correlation_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sandbox_orders")),
    )
    op.create_index(op.f("ix_sandbox_orders_external_ref"), "sandbox_orders", ["external_ref"])
    # -- demo CRM ------------------------------------------------------------------------
    op.create_table(
        "demo_crm_accounts",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("company", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("erp_customer_hint", sa.String(length=140), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_demo_crm_accounts")),
    )
    op.create_table(
        "demo_crm_deals",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("company", sa.String(length=100), nullable=False),
        sa.Column("account_id", sa.String(length=40), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("erp_order_number", sa.String(length=100), nullable=True),
        sa.Column("erp_order_status", sa.String(length=200), nullable=True),
        sa.Column("erp_failure_reason", sa.String(length=1000), nullable=True),
        sa.Column("write_back_count", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_demo_crm_deals")),
    )
    # -- order pipeline ------------------------------------------------------------------
    op.create_table(
        "order_inbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("crm_deal_id", sa.String(length=100), nullable=False),
        sa.Column("crm", sa.String(length=40), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("correlation_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_inbox")),
        sa.UniqueConstraint("tenant_id", "event_id", name="uq_order_inbox_event"),
        sa.UniqueConstraint("tenant_id", "crm_deal_id", name="uq_order_inbox_deal"),
    )
    op.create_table(
        "order_jobs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("crm_deal_id", sa.String(length=100), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("correlation_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("run_after", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_owner", sa.String(length=100), nullable=True),
        sa.Column("lease_token", sa.String(length=32), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error_reason", sa.String(length=100), nullable=True),
        sa.Column("last_error", sa.String(length=1000), nullable=True),
        *_created_updated(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_jobs")),
    )
    op.create_index("ix_order_jobs_ready", "order_jobs", ["status", "run_after"])
    op.create_index("ix_order_jobs_deal", "order_jobs", ["tenant_id", "crm_deal_id"])
    op.create_table(
        "order_records",
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("crm_deal_id", sa.String(length=100), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("erp_order_number", sa.String(length=100), nullable=True),
        sa.Column("erp_status", sa.String(length=30), nullable=True),
        sa.Column("erp_status_raw", sa.String(length=100), nullable=True),
        sa.Column("credit_flagged", sa.Boolean(), nullable=False),
        sa.Column("failure_reason", sa.String(length=100), nullable=True),
        sa.Column("failure_text", sa.String(length=1000), nullable=True),
        sa.Column("shadow_order", sa.JSON(), nullable=True),
        sa.Column("shadow_write_back", sa.JSON(), nullable=True),
        sa.Column("written_back_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lock_token", sa.String(length=32), nullable=True),
        sa.Column("lock_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("correlation_id", sa.String(length=64), nullable=False),
        *_created_updated(),
        sa.PrimaryKeyConstraint("tenant_id", "crm_deal_id", name=op.f("pk_order_records")),
    )
    op.create_table(
        "order_audit",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("crm_deal_id", sa.String(length=100), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("correlation_id", sa.String(length=64), nullable=False),
        sa.Column("step", sa.String(length=40), nullable=False),
        sa.Column("outcome", sa.String(length=40), nullable=False),
        sa.Column("detail", sa.String(length=1000), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_audit")),
    )
    op.create_index("ix_order_audit_deal", "order_audit", ["tenant_id", "crm_deal_id"])
    op.create_index("ix_order_audit_event", "order_audit", ["tenant_id", "event_id"])


def downgrade() -> None:
    for table in ("order_audit", "order_records", "order_jobs", "order_inbox", "demo_crm_deals",
                  "demo_crm_accounts", "sandbox_orders", "oauth_states", "account_links", "crm_credentials",
                  "erp_connections", "tenants", "schema_version"):
        op.drop_table(table)
