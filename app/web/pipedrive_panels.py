"""Pipedrive-facing read/write endpoints: JSON panel, iframe panel entry, webhooks v2.

Every request is authenticated by what Pipedrive signs or sends: the HS256 JWT
``token`` (panels; tenant and user come only from it), or the tenant's webhook
Basic credentials (webhooks). Query parameters such as ``companyId``/``userId``
are ignored; ``selectedIds`` only says which record of the verified company to show.
"""
from __future__ import annotations

import logging
from urllib.parse import urlencode

import marshmallow as ma
from flask import Blueprint, redirect, request, send_file
from flask.views import MethodView
from flask_smorest import Blueprint as ApiBlueprint

from app.crm.base import CRMError, CRMNotFoundError
from app.crm.pipedrive import panels
from app.crm.pipedrive.jwt import PipedriveJWTInvalid
from app.crm.pipedrive.webhooks import WebhookRejected, credentials_match, won_event
from app.errors import BadRequest, NotFound, ServiceUnavailable, Unauthorized
from app.panel.present import panel_dict
from app.web.context import services, widget_caller
from app.web.problems import alt_problem
from app.web.security import allow_framing

log = logging.getLogger("erp_panel.pipedrive")

bp = Blueprint("pipedrive_panels", __name__, url_prefix="/pipedrive")
blp = ApiBlueprint("pipedrive_api", __name__, url_prefix="/api/v1/pipedrive",
                   description="Pipedrive helpers for the account widget")


def _pd():
    return services().extra.get("pipedrive")


def _panel_error(status: int, title: str, subtitle: str):
    response = {"error": panels.error_json(title, subtitle)["error"]}
    return response, status, {"Cache-Control": "no-store"}


def _first_id(raw: str) -> str:
    """``selectedIds`` may list several ids; the panel is for one record."""
    return (raw or "").split(",")[0].strip()


@bp.get("/panel")
def json_panel():
    """Pipedrive JSON panel data for an organization (or a deal/person: its organization)."""
    pd = _pd()
    if pd is None:
        return _panel_error(503, "Not configured", "This erp-panel server has no Pipedrive app set up.")
    try:
        user = pd.adapter.jwt.verify(request.args.get("token", ""))
    except PipedriveJWTInvalid:
        return _panel_error(401, "Not authorized", "Pipedrive's signed token did not verify. Reload the page.")
    svc = services()
    tenant = svc.tenant_cache.find("pipedrive", user.company_id)
    if tenant is None or not tenant.active:
        return _panel_error(403, "Not installed", "erp-panel is not installed for this Pipedrive company.")
    try:
        org_id = pd.accounts.organization_for(tenant, request.args.get("resource", "organization"),
                                              _first_id(request.args.get("selectedIds", "")))
    except CRMNotFoundError as exc:
        return _panel_error(404, "Record not found", str(exc))
    except CRMError:
        return _panel_error(502, "Pipedrive unavailable", "Could not look up this record's organization. "
                            "Reload in a minute.")
    if org_id is None:
        return {"data": []}, 200, {"Cache-Control": "no-store"}
    view = svc.panel.read(tenant, org_id)
    return panels.panel_json(panel_dict(view, svc.clock.now().date())), 200, {"Cache-Control": "no-store"}


@bp.get("/panel-schema.json")
def json_panel_schema():
    """The JSON Schema to upload as the JSON panel's data structure in Developer Hub."""
    return send_file(panels.SCHEMA_PATH, mimetype="application/json")


@bp.get("/frame/panel")
def frame_panel():
    """Custom UI panel entry: hand Pipedrive's iframe parameters to the account widget.

    Only ``id`` (the SDK identifier), ``resource`` and ``selectedIds`` are passed
    on; identity comes later from the SDK's signed token, verified by the backend.
    """
    resource = request.args.get("resource", "organization")
    record = _first_id(request.args.get("selectedIds", ""))
    params = {"crm": "pipedrive", "id": request.args.get("id", "")[:200], "resource": resource[:20]}
    if record.isdigit():
        params["account" if resource == "organization" else "record"] = record
    allow_framing(list(services().settings.frame_origins))
    return redirect("/widgets/account-panel/?" + urlencode(params), code=302)


@bp.post("/webhooks/<string:tenant_id>")
def deal_webhook(tenant_id: str):
    """Webhooks v2 ``change.deal``: verify Basic auth, detect a change to won, hand it to the intake."""
    svc = services()
    tenant = svc.tenants.get(tenant_id)
    creds = svc.tenants.get_crm_credentials(tenant.id) if tenant is not None and tenant.active else None
    extra = creds.extra if creds else {}
    if tenant is None or tenant.crm != "pipedrive" or not credentials_match(
            request.headers.get("Authorization", ""), extra.get("webhook_user"), extra.get("webhook_password")):
        raise Unauthorized("The webhook did not carry this installation's credentials",
                           reason="invalid_credentials", headers={"WWW-Authenticate": 'Basic realm="erp-panel"'})
    try:
        event = won_event(request.get_json(silent=True), tenant_id=tenant.id, company_id=tenant.crm_account_key,
                          now=svc.clock.now())
    except WebhookRejected as exc:
        raise BadRequest(str(exc), reason="bad_webhook_payload") from None
    if event is None:
        return {"status": "ignored"}, 200
    if svc.intake is None:
        # Order intake not deployed: let Pipedrive retry (3 s, 30 s, 150 s) rather than drop the event.
        log.warning("won deal %s of tenant %s arrived but no order intake is configured", event.crm_deal_id,
                    tenant.id)
        raise ServiceUnavailable("The order intake is not available; Pipedrive will retry",
                                 reason="intake_unavailable")
    result = svc.intake.accept(event)  # stores + enqueues only: answers well inside Pipedrive's 10 s
    return {"status": getattr(result, "status", "accepted")}, 200


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
    def get(self, resource, record_id):
        """The organization shown for a Pipedrive deal/person (the widget in a deal view)."""
        caller = widget_caller()
        pd = _pd()
        if pd is None or caller.tenant.crm != "pipedrive":
            raise NotFound("This is not a Pipedrive installation", reason="not_pipedrive")
        try:
            org_id = pd.accounts.organization_for(caller.tenant, resource, record_id)
        except CRMNotFoundError as exc:
            raise NotFound(str(exc), reason="crm_not_found") from None
        except CRMError as exc:
            raise ServiceUnavailable("Pipedrive could not be reached; try again shortly",
                                     reason=exc.reason) from None
        return {"crm_account_id": org_id}
