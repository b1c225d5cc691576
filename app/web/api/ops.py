"""JSON health of the installations: the operations page for API clients.

``Authorization: Bearer <ADMIN_TOKEN>``: every installation (or one, with ``tenant_id``); an admin
session: its own installation only.
"""
from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint

from app.ops.health import health_report
from app.web.admin.auth import admin_caller, admin_tenant
from app.web.admin.operations_view import health_json
from app.web.api.admin_schemas import TenantQuerySchema
from app.web.context import services
from app.web.csrf import protect_admin_blueprint
from app.web.problems import alt_problem

blp = protect_admin_blueprint(Blueprint(
    "ops_api", __name__, url_prefix="/api/v1/admin/operations",
    description="Operations: the health of each installation (ERP, reads, failures, queue, API budgets, alerts)"))

_TEXT = ma.fields.String


class ERPHealthSchema(ma.Schema):
    connector = _TEXT(allow_none=True)
    state = _TEXT(metadata={"description": "ok | failing | no_reads | not_configured"})
    last_successful_read = ma.fields.DateTime(allow_none=True)


class LastHourSchema(ma.Schema):
    syncs = ma.fields.Integer(metadata={"description": "Panel reads from the ERP and order job attempts"})
    failed = ma.fields.Integer()
    failure_percent = ma.fields.Float()


class QueueHealthSchema(ma.Schema):
    ready = ma.fields.Integer()
    waiting = ma.fields.Integer()
    dead = ma.fields.Integer()
    oldest_ready_seconds = ma.fields.Float(allow_none=True)


class BudgetHealthSchema(ma.Schema):
    vendor = _TEXT()
    used_percent = ma.fields.Float()
    remaining = ma.fields.Float()


class AlertHealthSchema(ma.Schema):
    title = _TEXT()
    summary = _TEXT()


class TenantHealthSchema(ma.Schema):
    tenant_id = _TEXT(required=True)
    name = _TEXT()
    crm = _TEXT()
    status = _TEXT(metadata={"description": "ok | warning | failing"})
    erp = ma.fields.Nested(ERPHealthSchema)
    last_hour = ma.fields.Nested(LastHourSchema)
    queue = ma.fields.Nested(QueueHealthSchema)
    api_budgets = ma.fields.List(ma.fields.Nested(BudgetHealthSchema))
    alerts = ma.fields.List(ma.fields.Nested(AlertHealthSchema), metadata={"description": "Rules firing now"})
    owner_notified = ma.fields.List(_TEXT(), metadata={"description": "Rules whose owner was told"})


class OperationsSchema(ma.Schema):
    generated_at = ma.fields.DateTime(required=True)
    tenants = ma.fields.List(ma.fields.Nested(TenantHealthSchema), required=True)


@blp.route("")
class Operations(MethodView):
    @blp.arguments(TenantQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, OperationsSchema)
    @alt_problem(blp, 401, "No valid admin credential")
    @alt_problem(blp, 403, "Another installation's session")
    @alt_problem(blp, 404, "An unknown tenant")
    @blp.doc(security=[{"adminToken": []}])
    def get(self, tenant_id):
        """Health of every installation (operator token) or of the session's own installation."""
        svc = services()
        if admin_caller().is_operator and not tenant_id:
            tenants = svc.tenants.list()
        else:
            tenants = [admin_tenant(tenant_id)]
        now = svc.clock.now()
        return {"generated_at": now, "tenants": [health_json(row) for row in health_report(svc.db, now, tenants)]}
