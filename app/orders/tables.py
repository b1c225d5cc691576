"""Tables of the order pipeline: inbox, jobs (the outbox/queue), order records, audit log."""
from __future__ import annotations

import sqlalchemy as sa

from app.storage.metadata import UTCDateTime, metadata

#: Every DealWon we accepted. Dedupe is done by the database, atomically:
#: the same delivery (event id) and a second event for the same deal both hit a unique key.
order_inbox = sa.Table(
    "order_inbox", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("tenant_id", sa.String(36), nullable=False),
    sa.Column("event_id", sa.String(200), nullable=False),
    sa.Column("crm_deal_id", sa.String(100), nullable=False),
    sa.Column("crm", sa.String(40), nullable=False, default=""),
    sa.Column("occurred_at", UTCDateTime, nullable=False),
    sa.Column("received_at", UTCDateTime, nullable=False),
    sa.Column("job_id", sa.Integer, nullable=True),
    sa.Column("correlation_id", sa.String(64), nullable=False),
    sa.UniqueConstraint("tenant_id", "event_id", name="uq_order_inbox_event"),
    sa.UniqueConstraint("tenant_id", "crm_deal_id", name="uq_order_inbox_deal"),
)

#: Durable jobs ("create_order", "write_back"). status: queued | running | done | dead.
order_jobs = sa.Table(
    "order_jobs", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("tenant_id", sa.String(36), nullable=False),
    sa.Column("kind", sa.String(30), nullable=False),
    sa.Column("crm_deal_id", sa.String(100), nullable=False),
    sa.Column("event_id", sa.String(200), nullable=False, default=""),
    sa.Column("correlation_id", sa.String(64), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("max_attempts", sa.Integer, nullable=False),
    sa.Column("run_after", UTCDateTime, nullable=False),
    sa.Column("lease_owner", sa.String(100), nullable=True),
    sa.Column("lease_token", sa.String(32), nullable=True),
    sa.Column("lease_expires_at", UTCDateTime, nullable=True),
    sa.Column("last_error_reason", sa.String(100), nullable=True),
    sa.Column("last_error", sa.String(1000), nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Index("ix_order_jobs_ready", "status", "run_after"),
    sa.Index("ix_order_jobs_deal", "tenant_id", "crm_deal_id"),
)

#: One record per (tenant, deal): where the order stands, plus the per-deal lock.
#: state: queued | created | written_back | failed | shadow
order_records = sa.Table(
    "order_records", metadata,
    sa.Column("tenant_id", sa.String(36), primary_key=True),
    sa.Column("crm_deal_id", sa.String(100), primary_key=True),
    sa.Column("idempotency_key", sa.String(64), nullable=False),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("erp_order_number", sa.String(100), nullable=True),
    sa.Column("erp_status", sa.String(30), nullable=True),
    sa.Column("erp_status_raw", sa.String(100), nullable=True),
    sa.Column("credit_flagged", sa.Boolean, nullable=False, default=False),
    sa.Column("failure_reason", sa.String(100), nullable=True),
    sa.Column("failure_text", sa.String(1000), nullable=True),
    #: the deal's value as the CRM last reported it (decimal text) - what a failure puts at stake
    sa.Column("deal_value", sa.String(40), nullable=True),
    sa.Column("deal_currency", sa.String(3), nullable=True),
    sa.Column("shadow_order", sa.JSON, nullable=True),
    sa.Column("shadow_write_back", sa.JSON, nullable=True),
    sa.Column("written_back_at", UTCDateTime, nullable=True),
    #: the order's life after creation (``OrderStage``), its latest facts and when they were first seen
    sa.Column("order_stage", sa.String(20), nullable=True),
    sa.Column("order_progress", sa.JSON, nullable=True),
    sa.Column("stage_seen_at", UTCDateTime, nullable=True),
    #: the deal moved away from won after its order existed (reopened / lost): since when, its CRM status,
    #: and when an admin asked the ERP to cancel the order (never done automatically)
    sa.Column("not_won_since", UTCDateTime, nullable=True),
    sa.Column("not_won_status", sa.String(40), nullable=True),
    sa.Column("cancel_requested_at", UTCDateTime, nullable=True),
    sa.Column("lock_token", sa.String(32), nullable=True),
    sa.Column("lock_expires_at", UTCDateTime, nullable=True),
    sa.Column("correlation_id", sa.String(64), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

#: Every step of every deal's way to an order, with the correlation id of the run.
order_audit = sa.Table(
    "order_audit", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("tenant_id", sa.String(36), nullable=False),
    sa.Column("crm_deal_id", sa.String(100), nullable=False),
    sa.Column("event_id", sa.String(200), nullable=False, default=""),
    sa.Column("job_id", sa.Integer, nullable=True),
    sa.Column("correlation_id", sa.String(64), nullable=False),
    sa.Column("step", sa.String(40), nullable=False),
    sa.Column("outcome", sa.String(40), nullable=False),
    sa.Column("detail", sa.String(1000), nullable=False, default=""),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Index("ix_order_audit_deal", "tenant_id", "crm_deal_id"),
    sa.Index("ix_order_audit_event", "tenant_id", "event_id"),
)

#: The order timeline: every change of an order's progress, with the time it was first seen.
order_timeline = sa.Table(
    "order_timeline", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("tenant_id", sa.String(36), nullable=False),
    sa.Column("crm_deal_id", sa.String(100), nullable=False),
    sa.Column("order_number", sa.String(100), nullable=False),
    sa.Column("stage", sa.String(20), nullable=False),
    sa.Column("facts", sa.JSON, nullable=False),
    sa.Column("seen_at", UTCDateTime, nullable=False),
    sa.Index("ix_order_timeline_deal", "tenant_id", "crm_deal_id"),
)

#: Per tenant: how often its open orders are polled now (backs off while nothing changes).
status_polls = sa.Table(
    "status_polls", metadata,
    sa.Column("tenant_id", sa.String(36), primary_key=True),
    sa.Column("interval_seconds", sa.Integer, nullable=False),
    sa.Column("unchanged_polls", sa.Integer, nullable=False, default=0),
    sa.Column("last_polled_at", UTCDateTime, nullable=True),
    sa.Column("last_changed_at", UTCDateTime, nullable=True),
    sa.Column("last_error", sa.String(200), nullable=True),
)

#: Reconciliation runs: per tenant and window, the counts and every finding with its fix (the report).
reconciliations = sa.Table(
    "reconciliations", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("tenant_id", sa.String(36), nullable=False),
    sa.Column("window_days", sa.Integer, nullable=False),
    sa.Column("trigger", sa.String(20), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("counts", sa.JSON, nullable=False),
    sa.Column("findings", sa.JSON, nullable=False),
    sa.Column("error", sa.String(1000), nullable=True),
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("finished_at", UTCDateTime, nullable=True),
    sa.Index("ix_reconciliations_tenant", "tenant_id", "id"),
)
