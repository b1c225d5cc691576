"""Panel API for the widget: session exchange, panel read, refresh-now."""
from __future__ import annotations

from flask import Response, current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from app.crm.base import CRMError
from app.errors import Unauthorized
from app.web.context import services, widget_caller
from app.web.openapi_doc import NO_BEARER_TOKEN
from app.web.panel_render import PanelRenderer
from app.web.panel_schemas import PanelSchema, WidgetSessionRequestSchema, WidgetSessionSchema
from app.web.problems import alt_problem

blp = Blueprint("panel", __name__, url_prefix="/api/v1", description="ERP panel for CRM widgets")

_AUTH = [{"widgetToken": []}]


_RENDERER = PanelRenderer()


def _panel(crm_account_id: str, *, refresh: bool) -> Response | dict:
    caller = widget_caller(crm_account_id)
    svc = services()
    read = svc.panel.refresh if refresh else svc.panel.read
    # the same JSON PanelSchema documents, with each cached section dumped once (see panel_render)
    return _RENDERER.response(current_app, read(caller.tenant, crm_account_id), svc.clock.now().date())


_SIGNED_BY_THE_CRM = (
    "No bearer token: `credential` is the token the CRM signed for this widget view and is verified "
    "here (constant-time, with expiry): Pipedrive, the App Extensions SDK's signed JWT (HS256 with the "
    "app's JWT secret); the demo CRM, its HMAC-signed, timestamped context. The tenant comes from the "
    "verified credential only."
)


@blp.route("/widget/session")
class WidgetSession(MethodView):
    @blp.doc(security=NO_BEARER_TOKEN, description=_SIGNED_BY_THE_CRM)
    @blp.arguments(WidgetSessionRequestSchema)
    @blp.response(200, WidgetSessionSchema)
    @alt_problem(blp, 401, "The CRM credential did not verify")
    def post(self, body):
        """Exchange a CRM-signed widget credential for a short-lived widget token."""
        svc = services()
        try:
            adapter = svc.crm.get(body["crm"])
            identity = adapter.verify_widget_credential(body["credential"])
        except CRMError as exc:
            raise Unauthorized(f"The CRM credential could not be verified ({exc})",
                               reason="invalid_crm_credential") from None
        tenant = svc.tenants.find(identity.crm, identity.crm_account_key)
        if tenant is None or not tenant.active:
            raise Unauthorized("erp-panel is not installed for this CRM account", reason="not_installed")
        token, ttl = svc.widget_tokens.mint(tenant.id, identity.user_id, identity.crm, identity.object_id)
        return {"token": token, "expires_in": ttl, "crm": identity.crm, "object_id": identity.object_id,
                "tenant_name": tenant.name}


@blp.route("/panel/accounts/<string:crm_account_id>")
class AccountPanel(MethodView):
    @blp.doc(security=_AUTH)
    @blp.response(200, PanelSchema)
    @alt_problem(blp, 401, "Missing or invalid widget token")
    @alt_problem(blp, 403, "Token is for another record")
    def get(self, crm_account_id):
        """The ERP panel (credit, stock, invoices, pricing) for one CRM account."""
        return _panel(crm_account_id, refresh=False)


@blp.route("/panel/accounts/<string:crm_account_id>/refresh")
class AccountPanelRefresh(MethodView):
    @blp.doc(security=_AUTH)
    @blp.response(200, PanelSchema)
    @alt_problem(blp, 401, "Missing or invalid widget token")
    @alt_problem(blp, 429, "Refreshed too recently")
    def post(self, crm_account_id):
        """Refresh now: bypass the cache for this account (rate limited)."""
        return _panel(crm_account_id, refresh=True)
