"""Admin API for the order pipeline: jobs, dead letters (with reasons), replay, audit trail, order records.

Thin: authorisation via ``admin_tenant()`` (a tenant admin sees only its own
installation; the operator token names the tenant), then services.orders. Cookie-authenticated
writes (replay) pass the CSRF rule of ``app.web.csrf`` like every admin write.
"""
from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from app.errors import BadRequest
from app.services import OrderServices
from app.web.admin.audit import current_actor
from app.web.admin.auth import admin_tenant
from app.web.api.orders_schemas import (
    AuditQuerySchema,
    AuditTrailSchema,
    JobListSchema,
    JobQuerySchema,
    OrderRecordListSchema,
    RecordQuerySchema,
    ReplayResultSchema,
    TenantQuerySchema,
)
from app.web.context import services
from app.web.csrf import protect_admin_blueprint
from app.web.problems import alt_problem

blp = protect_admin_blueprint(Blueprint("orders_admin", __name__, url_prefix="/api/v1/admin/orders",
                                        description="Closed-won order pipeline: jobs, dead letters, replay, audit"))

_AUTH: list[dict[str, list[str]]] = [{"adminToken": []}]


def _orders() -> OrderServices:
    return services().orders


@blp.route("/jobs")
class Jobs(MethodView):
    @blp.arguments(JobQuerySchema, location="query")
    @blp.response(200, JobListSchema)
    @blp.doc(security=_AUTH)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Jobs of the installation, newest first, optionally by status (queued, running, done, dead) or deal."""
        tenant = admin_tenant(args.get("tenant_id"))
        jobs = _orders().queue.list(tenant_id=tenant.id, status=args.get("status"),
                                    crm_deal_id=args.get("deal_id"), limit=args["limit"])
        return {"jobs": [asdict(j) for j in jobs]}


@blp.route("/dead-letters")
class DeadLetters(MethodView):
    @blp.arguments(TenantQuerySchema, location="query")
    @blp.response(200, JobListSchema)
    @blp.doc(security=_AUTH)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Jobs that stopped retrying, with the reason code and message of their last failure."""
        tenant = admin_tenant(args.get("tenant_id"))
        return {"jobs": [asdict(j) for j in _orders().queue.list(tenant_id=tenant.id, status="dead", limit=500)]}


@blp.route("/dead-letters/replay")
class ReplayAll(MethodView):
    @blp.arguments(TenantQuerySchema, location="query")
    @blp.response(200, ReplayResultSchema)
    @blp.doc(security=_AUTH)
    def post(self, args: dict[str, Any]) -> dict[str, Any]:
        """Put every dead job of the installation back in the queue with fresh attempts."""
        tenant = admin_tenant(args.get("tenant_id"))
        replayed = _orders().dead_letters.replay_all(tenant.id, current_actor())
        return {"replayed": len(replayed), "job_ids": replayed}


@blp.route("/dead-letters/<int:job_id>/replay")
class ReplayOne(MethodView):
    @blp.arguments(TenantQuerySchema, location="query")
    @blp.response(200, ReplayResultSchema)
    @alt_problem(blp, 404, "No dead job with this id in the installation")
    @blp.doc(security=_AUTH)
    def post(self, args: dict[str, Any], job_id: int) -> dict[str, Any]:
        """Put one dead job back in the queue (after fixing the cause, e.g. linking the customer)."""
        tenant = admin_tenant(args.get("tenant_id"))
        _orders().dead_letters.replay(tenant.id, job_id, current_actor())
        return {"replayed": 1, "job_ids": [job_id]}


@blp.route("/audit")
class Audit(MethodView):
    @blp.arguments(AuditQuerySchema, location="query")
    @blp.response(200, AuditTrailSchema)
    @blp.doc(security=_AUTH)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Every step for a deal or an event (give deal_id or event_id), oldest first, with correlation ids."""
        tenant = admin_tenant(args.get("tenant_id"))
        if not args.get("deal_id") and not args.get("event_id"):
            raise BadRequest("Give deal_id or event_id", reason="deal_or_event_required")
        entries = _orders().audit.trail(tenant.id, crm_deal_id=args.get("deal_id"), event_id=args.get("event_id"))
        return {"entries": [asdict(e) for e in entries]}


@blp.route("/records")
class Records(MethodView):
    @blp.arguments(RecordQuerySchema, location="query")
    @blp.response(200, OrderRecordListSchema)
    @blp.doc(security=_AUTH)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Where each won deal's order stands, including what shadow mode would have created and written."""
        tenant = admin_tenant(args.get("tenant_id"))
        records = _orders().records.list(tenant.id, state=args.get("state"), limit=args["limit"])
        return {"orders": [asdict(r) for r in records]}
