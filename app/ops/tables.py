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
