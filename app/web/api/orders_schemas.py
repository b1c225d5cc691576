"""Marshmallow schemas of the orders admin API (jobs, dead letters, audit trail, order records)."""
from __future__ import annotations

import marshmallow as ma

JOB_STATUSES = ("queued", "running", "done", "dead")
RECORD_STATES = ("queued", "created", "written_back", "failed", "shadow")


class TenantQuerySchema(ma.Schema):
    tenant_id = ma.fields.String(metadata={"description": "Tenant to act on (operator token only)"})


class JobQuerySchema(TenantQuerySchema):
    status = ma.fields.String(validate=ma.validate.OneOf(JOB_STATUSES))
    deal_id = ma.fields.String()
    limit = ma.fields.Integer(load_default=100, validate=ma.validate.Range(min=1, max=500))


class AuditQuerySchema(TenantQuerySchema):
    deal_id = ma.fields.String()
    event_id = ma.fields.String()


class RecordQuerySchema(TenantQuerySchema):
    state = ma.fields.String(validate=ma.validate.OneOf(RECORD_STATES))
    limit = ma.fields.Integer(load_default=100, validate=ma.validate.Range(min=1, max=500))


class JobSchema(ma.Schema):
    id = ma.fields.Integer()
    kind = ma.fields.String()
    crm_deal_id = ma.fields.String()
    event_id = ma.fields.String()
    correlation_id = ma.fields.String()
    status = ma.fields.String()
    attempts = ma.fields.Integer()
    max_attempts = ma.fields.Integer()
    run_after = ma.fields.DateTime()
    lease_owner = ma.fields.String(allow_none=True)
    lease_expires_at = ma.fields.DateTime(allow_none=True)
    last_error_reason = ma.fields.String(allow_none=True, metadata={"description": "Reason code of the last failure"})
    last_error = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()


class JobListSchema(ma.Schema):
    jobs = ma.fields.List(ma.fields.Nested(JobSchema))


class ReplayResultSchema(ma.Schema):
    replayed = ma.fields.Integer()
    job_ids = ma.fields.List(ma.fields.Integer())


class AuditEntrySchema(ma.Schema):
    id = ma.fields.Integer()
    crm_deal_id = ma.fields.String()
    event_id = ma.fields.String()
    job_id = ma.fields.Integer(allow_none=True)
    correlation_id = ma.fields.String()
    step = ma.fields.String()
    outcome = ma.fields.String()
    detail = ma.fields.String()
    at = ma.fields.DateTime()


class AuditTrailSchema(ma.Schema):
    entries = ma.fields.List(ma.fields.Nested(AuditEntrySchema))


class OrderRecordSchema(ma.Schema):
    crm_deal_id = ma.fields.String()
    idempotency_key = ma.fields.String()
    state = ma.fields.String()
    erp_order_number = ma.fields.String(allow_none=True)
    erp_status = ma.fields.String(allow_none=True)
    credit_flagged = ma.fields.Boolean()
    failure_reason = ma.fields.String(allow_none=True)
    failure_text = ma.fields.String(allow_none=True)
    shadow_order = ma.fields.Dict(allow_none=True, metadata={"description": "Order shadow mode would have created"})
    shadow_write_back = ma.fields.Dict(allow_none=True,
                                       metadata={"description": "Write-back shadow mode would have made"})
    written_back_at = ma.fields.DateTime(allow_none=True)
    updated_at = ma.fields.DateTime()


class OrderRecordListSchema(ma.Schema):
    orders = ma.fields.List(ma.fields.Nested(OrderRecordSchema))
