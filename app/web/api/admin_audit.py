"""Admin API: the admin audit of one installation, as JSON or as a CSV export.

Who changed what (settings, links, replays, ERP connection, alert contacts, figures), when, with
the values before and after; secret settings show only whether they were set or changed.
"""
from __future__ import annotations

from dataclasses import asdict
from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint
from werkzeug.wrappers import Response

from app.ops.audit_query import EXPORT_LIMIT, AuditQuery
from app.web.admin.audit_view import FILTERS, audit_export
from app.web.admin.session import active_admin_tenant
from app.web.api.admin_schemas import TenantQuerySchema
from app.web.context import services
from app.web.csrf import protect_admin_blueprint
from app.web.problems import alt_problem

blp = protect_admin_blueprint(Blueprint(
    "admin_audit_api", __name__, url_prefix="/api/v1/admin/audit",
    description="Admin audit: who changed an installation's setup, when, before and after (secrets masked)"))

_AUTH: list[dict[str, list[str]]] = [{"adminToken": []}]
_TEXT = ma.fields.String


class AuditFilterSchema(TenantQuerySchema):
    actor = _TEXT(metadata={"description": "The acting user id (exact): a CRM user id, operator, cli, or a CRM"})
    action = _TEXT(metadata={"description": "An action (link.save) or a family (link)"})
    since = _TEXT(metadata={"description": "From this date (YYYY-MM-DD, UTC) or ISO 8601 time"})
    until = _TEXT(metadata={"description": "Up to this date, inclusive (YYYY-MM-DD), or before this ISO 8601 time"})
    limit = ma.fields.Integer(load_default=100, validate=ma.validate.Range(min=1, max=EXPORT_LIMIT))


class AdminActionSchema(ma.Schema):
    id = ma.fields.Integer()
    tenant_id = _TEXT(allow_none=True)
    at = ma.fields.DateTime()
    actor = _TEXT()
    source = _TEXT(metadata={"description": "settings_page | admin_api | operations_page | crm_page | crm | cli"})
    action = _TEXT()
    label = _TEXT()
    target = _TEXT()
    before = ma.fields.Dict(metadata={"description": "Changed values before (secrets: set / not set)"})
    after = ma.fields.Dict(metadata={"description": "Changed values after (secrets: changed / unchanged / removed)"})
    detail = _TEXT()


class AdminActionListSchema(ma.Schema):
    entries = ma.fields.List(ma.fields.Nested(AdminActionSchema))


def _filters(args: dict[str, Any]) -> dict[str, str]:
    return {name: args.get(name) or "" for name in FILTERS}


def _auth_problems(view: Any) -> Any:
    view = alt_problem(blp, 401, "No valid admin credential")(view)
    view = alt_problem(blp, 403, "Another installation's session")(view)
    return alt_problem(blp, 404, "Operator token without tenant_id, or an unknown tenant")(view)


@blp.route("")
class AdminAuditEntries(MethodView):
    @blp.arguments(AuditFilterSchema, location="query")
    @blp.response(200, AdminActionListSchema)
    @alt_problem(blp, 422, "A filter value was rejected ('reasons' names it)")
    @_auth_problems
    @blp.doc(security=_AUTH)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Admin actions of the installation, newest first, filtered by actor, action and time."""
        tenant = active_admin_tenant(args.get("tenant_id"))
        entries = AuditQuery.parse(_filters(args)).run(services().ops.admin_audit, tenant.id, limit=args["limit"])
        return {"entries": [{**asdict(e), "label": e.label} for e in entries]}


@blp.route("/export")
class AdminAuditExport(MethodView):
    @blp.arguments(AuditFilterSchema, location="query")
    @blp.response(200, content_type="text/csv", description="CSV: at, tenant_id, actor, source, action, target, "
                                                            "before, after, detail (before/after as JSON)")
    @alt_problem(blp, 422, "A filter value was rejected ('reasons' names it)")
    @_auth_problems
    @blp.doc(security=_AUTH)
    def get(self, args: dict[str, Any]) -> Response:
        """The same actions as a CSV download (up to 1000, newest first)."""
        tenant = active_admin_tenant(args.get("tenant_id"))
        return audit_export(tenant, _filters(args))
