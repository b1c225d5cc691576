"""Pipedrive-facing endpoints: JSON panel, iframe panel entry, the widget's helper (webhooks: app.web.crm.webhooks).

Every request is authenticated by what Pipedrive signs or sends: the HS256 JWT ``token`` (panels;
tenant and user come only from it), or the tenant's webhook Basic credentials (webhooks). Query
parameters such as ``companyId``/``userId`` are ignored; ``selectedIds`` only says which record of
the verified company to show.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import marshmallow as ma
from flask import Blueprint, redirect, request, send_file
from flask.views import MethodView
from flask_smorest import Blueprint as ApiBlueprint
from werkzeug.wrappers import Response

from app.crm.pipedrive import panels
from app.crm.pipedrive.integration import PipedriveIntegration
from app.errors import NotFound, ServiceUnavailable, Unauthorized, UpstreamError, UpstreamNotFound
from app.orders.present import deal_view
from app.panel.present import panel_dict
from app.web.context import services, widget_caller
from app.web.crm.common import inbound
from app.web.problems import alt_problem
from app.web.security import allow_framing

bp = Blueprint("pipedrive_panels", __name__, url_prefix="/pipedrive")
blp = ApiBlueprint("pipedrive_api", __name__, url_prefix="/api/v1/pipedrive",
                   description="Pipedrive helpers for the account widget")

PanelAnswer = tuple[dict[str, Any], int, dict[str, str]]
_NO_STORE = {"Cache-Control": "no-store"}


def _panel_error(status: int, title: str, subtitle: str) -> PanelAnswer:
    return {"error": panels.error_json(title, subtitle)["error"]}, status, _NO_STORE


def _first_id(raw: str) -> str:
    """``selectedIds`` may list several ids; the panel is for one record."""
    return (raw or "").split(",")[0].strip()


@bp.get("/panel")
def json_panel() -> PanelAnswer:
    """Pipedrive JSON panel data for an organization (or a deal/person: its organization)."""
    integration = services().crm.of_kind(PipedriveIntegration)
    if integration is None:
        return _panel_error(503, "Not configured", "This erp-panel server has no Pipedrive app set up.")
    try:
        caller = integration.verify_request(inbound())
    except Unauthorized:
        return _panel_error(401, "Not authorized", "Pipedrive's signed token did not verify. Reload the page.")
    tenant = integration.active_tenant(caller.installation_id)
    if tenant is None:
        return _panel_error(403, "Not installed", "erp-panel is not installed for this Pipedrive company.")
    resource, record = request.args.get("resource", "organization"), _first_id(request.args.get("selectedIds", ""))
    try:
        org_id = integration.accounts.organization_for(tenant, resource, record)
    except UpstreamNotFound as exc:
        return _panel_error(404, "Record not found", exc.message)
    except UpstreamError:
        return _panel_error(502, "Pipedrive unavailable", "Could not look up this record's organization. "
                            "Reload in a minute.")
    svc = services()
    viewer = svc.viewers.viewer(tenant, caller)
    readiness = (deal_view(svc.orders.readiness, tenant, record, svc.clock.now(),
                           lambda found: svc.viewers.restrict_readiness(tenant, viewer, found))["readiness"]
                 if resource == "deal" else None)
    lead = panels.readiness_objects(readiness)
    if org_id is None:
        return panels.numbered(lead), 200, _NO_STORE
    view = svc.viewers.restrict(tenant, viewer, svc.panel.read(tenant, org_id))
    return panels.panel_json(panel_dict(view, svc.clock.now().date()), lead, readiness), 200, _NO_STORE


@bp.get("/panel-schema.json")
def json_panel_schema() -> Response:
    """The JSON Schema to upload as the JSON panel's data structure in Developer Hub."""
    return send_file(panels.SCHEMA_PATH, mimetype="application/json")


@bp.get("/frame/panel")
def frame_panel() -> Response:
    """Custom UI panel entry: hand Pipedrive's iframe parameters to the account widget.

    Only ``id`` (the SDK identifier), ``resource`` and ``selectedIds`` are passed on; identity comes
    later from the SDK's signed token, verified by the backend.
    """
    resource = request.args.get("resource", "organization")
    record = _first_id(request.args.get("selectedIds", ""))
    params = {"crm": "pipedrive", "id": request.args.get("id", "")[:200], "resource": resource[:20]}
    if record.isdigit():
        params["account" if resource == "organization" else "record"] = record
    allow_framing(list(services().settings.frame_origins))
    return redirect("/widgets/account-panel/?" + urlencode(params), code=302)


class RecordAccountSchema(ma.Schema):
    crm_account_id = ma.fields.String(allow_none=True, metadata={
        "description": "Pipedrive organization id the widget should show (null: the record has none)"})


@blp.route("/records/<string:resource>/<string:record_id>/account")
class RecordAccount(MethodView):
    @blp.doc(security=[{"widgetToken": []}])
    @blp.response(200, RecordAccountSchema)
    @alt_problem(blp, 401, "Missing or invalid widget token")
    @alt_problem(blp, 404, "No such record, or not a Pipedrive installation")
    @alt_problem(blp, 503, "Pipedrive could not be reached")
    def get(self, resource: str, record_id: str) -> dict[str, str | None]:
        """The organization shown for a Pipedrive deal/person (the widget in a deal view)."""
        caller = widget_caller()
        integration = services().crm.of_kind(PipedriveIntegration)
        if integration is None or caller.tenant.crm != integration.name:
            raise NotFound("This is not a Pipedrive installation", reason="not_pipedrive")
        try:
            org_id = integration.accounts.organization_for(caller.tenant, resource, record_id)
        except UpstreamNotFound as exc:
            raise NotFound(exc.message, reason="crm_not_found") from None
        except UpstreamError as exc:
            raise ServiceUnavailable("Pipedrive could not be reached; try again shortly",
                                     reason=exc.reason) from None
        return {"crm_account_id": org_id}
