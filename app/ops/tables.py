"""Tables of the operations package: signals the embedded alerting reads, alert state and settings."""
from __future__ import annotations

import sqlalchemy as sa

from app.storage.metadata import UTCDateTime, metadata

#: Per-tenant event counts in one-minute buckets (syncs ok/failed, stale-limit misses, auth failures),
#: written in batches by every process; the embedded alerting sums them over its windows.
ops_counts = sa.Table(
    "ops_counts", metadata,
    sa.Column("tenant_id", sa.String(36), primary_key=True),
    sa.Column("bucket", UTCDateTime, primary_key=True),
    sa.Column("signal", sa.String(40), primary_key=True),
    sa.Column("subject", sa.String(60), primary_key=True),      # data kind, "erp"/"crm", or ""
    sa.Column("events", sa.Integer, nullable=False),
    sa.Index("ix_ops_counts_bucket", "bucket"),
)

#: The latest API budget each vendor reported per tenant (the most used window of the last flush).
ops_budgets = sa.Table(
    "ops_budgets", metadata,
    sa.Column("tenant_id", sa.String(36), primary_key=True),
    sa.Column("vendor", sa.String(40), primary_key=True),
    sa.Column("used_ratio", sa.Float, nullable=False),
    sa.Column("remaining", sa.Float, nullable=False),
    sa.Column("budget_limit", sa.Float, nullable=False),
    sa.Column("observed_at", UTCDateTime, nullable=False),
)

#: One row per (tenant, rule): is it firing, and what was the owner last told (firing/resolved) when.
ops_alert_states = sa.Table(
    "ops_alert_states", metadata,
    sa.Column("tenant_id", sa.String(36), primary_key=True),
    sa.Column("rule", sa.String(40), primary_key=True),
    sa.Column("firing", sa.Boolean, nullable=False, default=False),
    sa.Column("since", UTCDateTime, nullable=True),
    sa.Column("notified", sa.String(10), nullable=True),         # "firing" | "resolved" | None
    sa.Column("last_notice_at", UTCDateTime, nullable=True),      # last firing notice (rate limit)
    sa.Column("summary", sa.String(1000), nullable=False, default=""),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

#: Who is told about a tenant's alerts, and how. Webhook/Slack URLs and the signing secret are
#: encrypted (one Fernet token of a JSON object), like the ERP secrets.
ops_alert_settings = sa.Table(
    "ops_alert_settings", metadata,
    sa.Column("tenant_id", sa.String(36), sa.ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("owner_name", sa.String(200), nullable=False, default=""),
    sa.Column("email_to", sa.String(1000), nullable=False, default=""),
    sa.Column("channels_enc", sa.Text, nullable=True),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

#: Periodic worker tasks (alert evaluation, retention): whoever moves ``last_run_at`` runs the task.
ops_tasks = sa.Table(
    "ops_tasks", metadata,
    #: a task name, or "<task>:<tenant id>" for a task run per tenant (order status polls)
    sa.Column("task", sa.String(80), primary_key=True),
    sa.Column("last_run_at", UTCDateTime, nullable=True),
    sa.Column("owner", sa.String(200), nullable=True),
)

#: Admin actions: who changed what for which installation, when, with the values before and after
#: (secrets masked before they get here). ``tenant_id`` is NULL for operator-wide actions (operator sign-in).
admin_audit = sa.Table(
    "admin_audit", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("tenant_id", sa.String(36), nullable=True),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("source", sa.String(20), nullable=False),
    sa.Column("action", sa.String(60), nullable=False),
    sa.Column("target", sa.String(200), nullable=False, default=""),
    sa.Column("before", sa.Text, nullable=False, default=""),
    sa.Column("after", sa.Text, nullable=False, default=""),
    sa.Column("detail", sa.String(1000), nullable=False, default=""),
    sa.Index("ix_admin_audit_tenant_at", "tenant_id", "at"),
    sa.Index("ix_admin_audit_at", "at"),
)
