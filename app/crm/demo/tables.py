"""Demo CRM records (kept in the app database so web and worker processes share them)."""
from __future__ import annotations

import sqlalchemy as sa

from app.storage.metadata import UTCDateTime, metadata

demo_accounts = sa.Table(
    "demo_crm_accounts", metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("company", sa.String(100), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("erp_customer_hint", sa.String(140), nullable=True),
)

demo_deals = sa.Table(
    "demo_crm_deals", metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("company", sa.String(100), nullable=False),
    sa.Column("account_id", sa.String(40), nullable=True),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("status", sa.String(20), nullable=False, default="open"),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("lines", sa.JSON, nullable=False),
    sa.Column("erp_order_number", sa.String(100), nullable=True),
    sa.Column("erp_order_status", sa.String(200), nullable=True),
    sa.Column("erp_failure_reason", sa.String(1000), nullable=True),
    sa.Column("write_back_count", sa.Integer, nullable=False, default=0),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)
