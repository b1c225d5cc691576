"""Panel API for the widget: session exchange, panel read, refresh-now."""
from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Response, current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from app.errors import Unauthorized
from app.panel.present import panel_dict
from app.panel.schema import PanelSchema
from app.web.context import services, widget_caller
from app.web.openapi_doc import NO_BEARER_TOKEN
from app.web.panel.render import PanelRenderer
from app.web.problems import alt_problem


class WidgetSessionRequestSchema(ma.Schema):
    crm = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=20),
                           metadata={"description": "Which CRM issued the credential: demo, pipedrive, salesforce, ..."})
    credential = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=16384),
                                  metadata={"description": "The signed context/JWT the CRM gave the iframe"})
    account = ma.fields.String(validate=ma.validate.Length(min=1, max=100), metadata={
        "description": "The CRM account the widget shows, when it knows it: the answer then carries its panel "
                       "(the session and the first read in one round trip)"})


class WidgetSessionSchema(ma.Schema):
    token = ma.fields.String(required=True)
    expires_in = ma.fields.Integer(required=True)
    crm = ma.fields.String(required=True)
    object_id = ma.fields.String(metadata={"description": "Record the CRM opened the widget on, if it said"})
    tenant_name = ma.fields.String()
    panel = ma.fields.Nested(PanelSchema, allow_none=True, metadata={
        "description": "The panel of `account` when the request named one this session may read"})


blp = Blueprint("panel", __name__, url_prefix="/api/v1", description="ERP panel for CRM widgets")

_AUTH: list[dict[str, list[str]]] = [{"widgetToken": []}]


_RENDERER = PanelRenderer()


def _panel(crm_account_id: str, *, refresh: bool) -> Response | dict[str, Any]:
    caller = widget_caller(crm_account_id)
    svc = services()
    read = svc.panel.refresh if refresh else svc.panel.read
    view = svc.viewers.restrict(caller.tenant, caller.viewer, read(caller.tenant, crm_account_id))
    # the JSON PanelSchema documents, with the cached sections dumped once (see app.web.panel.render)
    return _RENDERER.response(current_app, view, svc.clock.now().date())


_SIGNED_BY_THE_CRM = (
    "No bearer token: `credential` is the token the CRM signed for this widget view and is verified "
    "here (constant-time, with expiry): Pipedrive, the App Extensions SDK's signed JWT (HS256 with the "
    "app's JWT secret); Salesforce, the Canvas signed request (HMAC-SHA256 with the connected app's "
    "consumer secret, at most 2 hours old); the demo CRM, its HMAC-signed, timestamped context. The tenant "
    "comes from the verified credential only."
)


@blp.route("/widget/session")
class WidgetSession(MethodView):
    @blp.doc(security=NO_BEARER_TOKEN, description=_SIGNED_BY_THE_CRM)
    @blp.arguments(WidgetSessionRequestSchema)
    @blp.response(200, WidgetSessionSchema)
    @alt_problem(blp, 401, "The CRM credential did not verify")
    def post(self, body: dict[str, str]) -> dict[str, Any]:
        """Exchange a CRM-signed widget credential for a short-lived widget token."""
        svc = services()
        integration = svc.crm.find(body["crm"])
        try:
            if integration is None:
                raise Unauthorized(f"CRM '{body['crm']}' is not enabled on this server", reason="crm_not_enabled")
            caller = integration.verify_widget_credential(body["credential"])
        except Unauthorized as exc:
            raise Unauthorized(f"The CRM credential could not be verified ({exc.detail})",
                               reason="invalid_crm_credential") from None
        tenant = integration.active_tenant(caller.installation_id)
        if tenant is None:
            raise Unauthorized("erp-panel is not installed for this CRM account", reason="not_installed")
        # the caller's roles and teams ride in the token: panel reads apply the figure policy without a CRM call
        viewer = svc.viewers.viewer(tenant, caller)
        token, ttl = svc.widget_tokens.mint(tenant.id, caller.user_id, caller.crm, caller.object_id,
                                            roles=tuple(viewer.roles), teams=tuple(viewer.teams))
        answer: dict[str, Any] = {"token": token, "expires_in": ttl, "crm": caller.crm,
                                  "object_id": caller.object_id, "tenant_name": tenant.name, "panel": None}
        account = body.get("account")
        # the same rule as a panel read with this token: a session bound to a record reads that record only,
        # as this viewer may see it
        if account and (not caller.object_id or caller.object_id == account):
            view = svc.viewers.restrict(tenant, viewer, svc.panel.read(tenant, account))
            answer["panel"] = panel_dict(view, svc.clock.now().date())
        return answer


@blp.route("/panel/accounts/<string:crm_account_id>")
class AccountPanel(MethodView):
    @blp.doc(security=_AUTH)
    @blp.response(200, PanelSchema)
    @alt_problem(blp, 401, "Missing or invalid widget token")
    @alt_problem(blp, 403, "Token is for another record")
    def get(self, crm_account_id: str) -> Response | dict[str, Any]:
        """The ERP panel (credit, stock, invoices, pricing) for one CRM account."""
        return _panel(crm_account_id, refresh=False)


@blp.route("/panel/accounts/<string:crm_account_id>/refresh")
class AccountPanelRefresh(MethodView):
    @blp.doc(security=_AUTH)
    @blp.response(200, PanelSchema)
    @alt_problem(blp, 401, "Missing or invalid widget token")
    @alt_problem(blp, 429, "Refreshed too recently")
    def post(self, crm_account_id: str) -> Response | dict[str, Any]:
        """Refresh now: bypass the cache for this account (rate limited)."""
        return _panel(crm_account_id, refresh=True)
