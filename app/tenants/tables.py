"""Tables owned by the tenants package."""
from __future__ import annotations

import sqlalchemy as sa

from app.storage.metadata import UTCDateTime, metadata

tenants = sa.Table(
    "tenants", metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("crm", sa.String(20), nullable=False),
    sa.Column("installation_id", sa.String(100), nullable=False),  # the CRM installation: Pipedrive company id, HubSpot hub id
    sa.Column("name", sa.String(200), nullable=False, default=""),
    sa.Column("status", sa.String(20), nullable=False, default="active"),
    sa.Column("settings", sa.JSON, nullable=False, default=dict),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("crm", "installation_id", name="uq_tenants_crm_installation"),
)

erp_connections = sa.Table(
    "erp_connections", metadata,
    sa.Column("tenant_id", sa.String(36), sa.ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("connector", sa.String(30), nullable=False),
    sa.Column("config", sa.JSON, nullable=False, default=dict),      # non-secret: url, company, warehouse
    sa.Column("secrets_enc", sa.Text, nullable=True),                # Fernet token of a JSON object
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

crm_credentials = sa.Table(
    "crm_credentials", metadata,
    sa.Column("tenant_id", sa.String(36), sa.ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("access_token_enc", sa.Text, nullable=True),
    sa.Column("refresh_token_enc", sa.Text, nullable=True),
    sa.Column("expires_at", UTCDateTime, nullable=True),
    sa.Column("api_domain", sa.String(255), nullable=True),
    sa.Column("scopes", sa.String(1000), nullable=False, default=""),
    sa.Column("extra_enc", sa.Text, nullable=True),                  # e.g. webhook basic-auth password
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

account_links = sa.Table(
    "account_links", metadata,
    sa.Column("tenant_id", sa.String(36), sa.ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("crm_account_id", sa.String(100), primary_key=True),
    sa.Column("erp_customer_id", sa.String(140), nullable=False),
    sa.Column("source", sa.String(20), nullable=False, default="admin"),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

oauth_states = sa.Table(
    "oauth_states", metadata,
    sa.Column("state_hash", sa.String(64), primary_key=True),        # sha256 of the state; raw never stored
    sa.Column("crm", sa.String(20), nullable=False),
    sa.Column("code_verifier_enc", sa.Text, nullable=True),
    sa.Column("return_to", sa.String(500), nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Column("used_at", UTCDateTime, nullable=True),
)
