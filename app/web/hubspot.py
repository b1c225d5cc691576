"""HubSpot endpoints: OAuth install pages, app-card data + refresh, won-deal webhooks.

Views are thin: every HubSpot-facing API route is verified (v3 signature over the raw body and
the public URL) in ``before_request``; the tenant comes from the portal id HubSpot put in the
signed URL (card) or in each signed webhook event, never from what card code composes.
"""
from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, g, make_response, redirect, render_template_string, request
from flask.views import MethodView
from flask_smorest import Blueprint as ApiBlueprint

from app.crm.base import CRMError
from app.crm.hubspot.cards import UnsupportedObject
from app.crm.hubspot.install import InstallFailed
from app.crm.hubspot.signature import SignatureInvalid, SignedRequest
from app.crm.hubspot.webhooks import BadWebhookPayload
from app.errors import AppError, BadRequest, Forbidden, NotFound, ServiceUnavailable, Unauthorized
from app.web.admin_auth import admin_tenant
from app.web.admin_session import clear_admin_session_cookie, start_admin_session
from app.web.context import services
from app.web.csrf import CSRF_FIELD, csrf_token, protect_admin_blueprint
from app.web.hubspot_schemas import (
    CardQuerySchema,
    CardRequestSchema,
    CardSchema,
    WebhookEventSchema,
    WebhookResultSchema,
)
from app.web.problems import alt_problem

pages = Blueprint("hubspot_pages", __name__, url_prefix="/hubspot")
#: the uninstall page: an admin page, so its cookie-authenticated writes pass the CSRF rule
admin_pages = protect_admin_blueprint(Blueprint("hubspot_admin", __name__, url_prefix="/hubspot"))
blp = ApiBlueprint("hubspot", __name__, url_prefix="/api/v1/hubspot",
                   description="HubSpot app card data and webhooks (HubSpot v3 request signatures)")

_SIGNED = [{"hubspotSignatureV3": []}]
_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>erp-panel - HubSpot</title></head>
<body><main><h1>{{ title }}</h1><p>{{ sentence }}</p>{% if form %}<form method="post">
<input type="hidden" name="{{ csrf_field }}" value="{{ csrf_token }}">
<button type="submit">Disconnect HubSpot</button></form>{% endif %}</main></body></html>"""


def register(app, api, services_) -> None:
    app.register_blueprint(pages)
    app.register_blueprint(admin_pages)
    api.register_blueprint(blp)
    api.spec.components.security_scheme("hubspotSignatureV3", {
        "type": "apiKey", "in": "header", "name": "X-HubSpot-Signature-v3",
        "description": "HubSpot v3 request signature: base64 HMAC-SHA256, keyed with the app's client secret, "
                       "over method + public URI + raw body + X-HubSpot-Request-Timestamp; timestamps more "
                       "than 5 minutes off are rejected (the webhook endpoint also takes v1 when "
                       "HUBSPOT_ACCEPT_V1_WEBHOOKS=1). Not a key to send: HubSpot signs each request."})


def _adapter():
    adapter = services().extra.get("hubspot")
    if adapter is None:
        # 404, not 5xx: on this server the HubSpot integration does not exist (nothing to retry)
        raise NotFound("The HubSpot app is not configured on this server (HUBSPOT_CLIENT_ID/SECRET)",
                       reason="hubspot_not_configured")
    return adapter


def _page(title: str, sentence: str, status: int = 200, form: bool = False):
    return render_template_string(_PAGE, title=title, sentence=sentence, form=form, csrf_field=CSRF_FIELD,
                                  csrf_token=csrf_token() if form else ""), status


def _public_uri() -> str:
    """The URL HubSpot signed: configured public origin + the raw path/query as received."""
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if not raw:
        raw = quote(request.path) + (("?" + request.query_string.decode("latin-1")) if request.query_string else "")
    return services().settings.public_base_url.rstrip("/") + raw


# -- signed API -------------------------------------------------------------------------
@blp.before_request
def _verify_hubspot_signature():
    adapter = _adapter()
    signed = SignedRequest(method=request.method, uri=_public_uri(), body=request.get_data(cache=True),
                           headers=dict(request.headers))
    try:
        adapter.verify(signed, webhook=request.path.endswith("/webhooks"))
    except SignatureInvalid as exc:
        raise Unauthorized(f"{exc}", reason=exc.reason) from None
    g.hubspot = adapter


def _signed_portal(query: dict, body: dict) -> str:
    """The portal HubSpot's fetch proxy appended to the signed URL; a body naming another one is refused.

    hubspot.fetch adds ``portalId``, ``userId``, ``userEmail`` and ``appId`` to the request URL
    (``ProxyMetadata`` in @hubspot/ui-extensions, https://www.npmjs.com/package/@hubspot/ui-extensions;
    https://developers.hubspot.com/docs/apps/developer-platform/add-features/ui-extensibility/fetching-data),
    and the v3 signature covers that URL, query included
    (https://developers.hubspot.com/docs/apps/legacy-apps/authentication/validating-requests).
    The JSON body is composed by browser-side card code, so it never chooses the tenant.
    """
    if len(set(request.args.getlist("portalId"))) > 1:
        raise BadRequest("The request names more than one HubSpot portal", reason="ambiguous_portal")
    portal = query["portalId"]
    if body.get("portalId") not in (None, portal):
        raise Forbidden("The card asked for another HubSpot account than the one HubSpot signed for",
                        reason="portal_mismatch")
    return portal


def _tenant_for(portal_id: str):
    tenant = g.hubspot.active_tenant(portal_id)
    if tenant is None:
        raise Forbidden("erp-panel is not installed in this HubSpot account", reason="not_installed")
    return tenant


def _card(query: dict, body: dict, refresh: bool) -> dict:
    tenant = _tenant_for(_signed_portal(query, body))
    try:
        return g.hubspot.cards.build(tenant, body["objectTypeId"], body["objectId"], refresh=refresh)
    except UnsupportedObject as exc:
        raise BadRequest(str(exc), reason="unsupported_object") from None


@blp.route("/card")
class CardData(MethodView):
    @blp.doc(security=_SIGNED)
    @blp.arguments(CardQuerySchema, location="query")
    @blp.arguments(CardRequestSchema)
    @blp.response(200, CardSchema)
    @alt_problem(blp, 400, "Several portalId query parameters")
    @alt_problem(blp, 401, "Missing, stale or wrong HubSpot signature")
    @alt_problem(blp, 403, "Not installed for this HubSpot account, or the body names another portal")
    def post(self, query, body):
        """Card data for a company or deal record (from cache; well under HubSpot's 15 s / 1 MB limits)."""
        return _card(query, body, refresh=False)


@blp.route("/card/refresh")
class CardRefresh(MethodView):
    @blp.doc(security=_SIGNED)
    @blp.arguments(CardQuerySchema, location="query")
    @blp.arguments(CardRequestSchema)
    @blp.response(200, CardSchema)
    @alt_problem(blp, 400, "Several portalId query parameters")
    @alt_problem(blp, 401, "Missing, stale or wrong HubSpot signature")
    @alt_problem(blp, 403, "Not installed for this HubSpot account, or the body names another portal")
    @alt_problem(blp, 429, "Refreshed too recently")
    def post(self, query, body):
        """Refresh now: re-read the ERP for this record's company (rate limited per account)."""
        return _card(query, body, refresh=True)


@blp.route("/webhooks")
class Webhooks(MethodView):
    @blp.doc(security=_SIGNED)
    @blp.arguments(WebhookEventSchema(many=True))
    @blp.response(200, WebhookResultSchema)
    @alt_problem(blp, 401, "Signature failed; nothing was stored")
    @alt_problem(blp, 503, "Won stages or the order intake unavailable; HubSpot retries the batch")
    def post(self, _events):
        """HubSpot webhook batch (deal.propertyChange on dealstage): won deals go to the order intake."""
        intake = services().intake
        if intake is None:
            raise ServiceUnavailable("The order intake is not available yet; HubSpot will retry",
                                     reason="intake_unavailable", headers={"Retry-After": "60"})
        try:
            outcome = g.hubspot.won_events(request.get_json(silent=True))
        except BadWebhookPayload as exc:
            raise BadRequest(str(exc), reason=exc.reason) from None
        except CRMError as exc:
            raise ServiceUnavailable("HubSpot's deal pipelines could not be read; HubSpot will retry",
                                     reason=exc.reason, headers={"Retry-After": "60"}) from None
        results = [intake.accept(event) for event in outcome.won]
        duplicates = sum(1 for r in results if getattr(r, "duplicate", False))
        return {"accepted": len(results) - duplicates, "duplicates": duplicates, "ignored": outcome.ignored}


# -- install pages (top-level browser navigation) -----------------------------------------
@pages.get("/install")
def install():
    """Start the OAuth install: redirect to HubSpot's consent screen."""
    try:
        return redirect(_adapter().installer.start(), code=302)
    except AppError as exc:
        return _page("HubSpot is not available", exc.detail, exc.status)


@pages.get("/oauth/callback")
def oauth_callback():
    """HubSpot sends the admin back here; on success they land on the settings page, signed in."""
    try:
        result = _adapter().installer.complete(code=request.args.get("code", ""), state=request.args.get("state", ""),
                                               error=request.args.get("error", ""))
    except InstallFailed as exc:
        return _page("HubSpot installation did not complete", str(exc), 400)
    except AppError as exc:
        return _page("HubSpot is not available", exc.detail, exc.status)
    return start_admin_session(result.tenant.id, result.user_id)


@admin_pages.route("/uninstall", methods=["GET", "POST"])
def uninstall():
    """Disconnect this HubSpot account (admin session): revoke tokens, drop cached ERP data.

    The POST is a cookie-authenticated write: the blueprint's CSRF rule (``app.web.csrf``) runs first.
    """
    try:
        tenant = admin_tenant()
        adapter = _adapter()
    except AppError as exc:
        return _page("Sign-in required" if exc.status == 401 else "Request refused", exc.detail, exc.status)
    if tenant.crm != "hubspot":
        return _page("Not a HubSpot installation", "This installation is not connected to HubSpot.", 400)
    if request.method == "GET":
        return _page("Disconnect HubSpot", "erp-panel will stop showing ERP data in HubSpot and stop "
                     "turning won deals into orders for this account.", form=True)
    adapter.installer.uninstall(tenant)
    response, status = _page("HubSpot disconnected", "erp-panel is disconnected. Uninstall the app in HubSpot "
                             "(Settings > Integrations > Connected apps) to remove the card as well.")
    return clear_admin_session_cookie(make_response(response, status))
