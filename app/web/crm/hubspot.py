"""HubSpot's own routes: app-card data + refresh, won-deal webhooks, the disconnect page
(install: app.web.crm.install).

Views are thin: every HubSpot-facing API route is verified (v3 signature over the raw body and the
public URL) in ``before_request``; the tenant comes from the portal id HubSpot put in the signed URL
(card) or in each signed webhook event, never from what card code composes.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, Flask, request
from flask.views import MethodView
from flask_smorest import Blueprint as ApiBlueprint
from werkzeug.wrappers import Response

from app.crm.hubspot.cards import UnsupportedObject
from app.crm.hubspot.integration import HubSpotIntegration
from app.errors import BadRequest, Forbidden, NotFound
from app.orders.present import deal_view
from app.web.context import services
from app.web.crm.common import disconnect_page, inbound, receive_events
from app.web.crm.hubspot_schemas import (
    CardQuerySchema,
    CardRequestSchema,
    CardSchema,
    WebhookEventSchema,
    WebhookResultSchema,
)
from app.web.csrf import protect_admin_blueprint
from app.web.problems import ProblemApi, alt_problem

#: the uninstall page: an admin page, so its cookie-authenticated writes pass the CSRF rule
admin_pages = protect_admin_blueprint(Blueprint("hubspot_admin", __name__, url_prefix="/hubspot"))
blp = ApiBlueprint("hubspot", __name__, url_prefix="/api/v1/hubspot",
                   description="HubSpot app card data and webhooks (HubSpot v3 request signatures)")

_SIGNED: list[dict[str, list[str]]] = [{"hubspotSignatureV3": []}]
LABEL = HubSpotIntegration.label
ViewT = TypeVar("ViewT", bound=Callable[..., Any])


def register(app: Flask, api: ProblemApi) -> None:
    app.register_blueprint(admin_pages)
    api.register_blueprint(blp)
    api.spec.components.security_scheme("hubspotSignatureV3", {
        "type": "apiKey", "in": "header", "name": "X-HubSpot-Signature-v3",
        "description": "HubSpot v3 request signature: base64 HMAC-SHA256, keyed with the app's client secret, "
                       "over method + public URI + raw body + X-HubSpot-Request-Timestamp; timestamps more "
                       "than 5 minutes off are rejected (the webhook endpoint also takes v1 when "
                       "HUBSPOT_ACCEPT_V1_WEBHOOKS=1). Not a key to send: HubSpot signs each request."})


def hubspot() -> HubSpotIntegration:
    found = services().crm.of_kind(HubSpotIntegration)
    if found is None:
        # 404, not 5xx: on this server the HubSpot integration does not exist (nothing to retry)
        raise NotFound("The HubSpot app is not configured on this server "
                       f"({HubSpotIntegration.settings_hint})", reason="hubspot_not_configured")
    return found


# -- signed API -------------------------------------------------------------------------
@blp.before_request
def _verify_hubspot_signature() -> None:
    """Before arguments are parsed: an unsigned request gets 401, never a validation error."""
    hubspot().verify_signature(inbound(), webhook=request.path.endswith("/webhooks"))


def _card(body: dict[str, Any], refresh: bool) -> dict[str, Any]:
    integration = hubspot()
    caller = integration.verify_request(inbound())
    if body.get("portalId") not in (None, caller.installation_id):
        raise Forbidden("The card asked for another HubSpot account than the one HubSpot signed for",
                        reason="portal_mismatch")
    tenant = integration.tenant_of(caller)
    svc = services()
    viewer = svc.viewers.viewer(tenant, caller)
    try:
        model = integration.cards.build(tenant, body["objectTypeId"], body["objectId"], refresh=refresh,
                                        levels=svc.viewers.levels(tenant, viewer))
    except UnsupportedObject as exc:
        raise BadRequest(str(exc), reason="unsupported_object") from None
    model["deal"] = (deal_view(svc.orders.readiness, tenant, model["object_id"], svc.clock.now(),
                               lambda found: svc.viewers.restrict_readiness(tenant, viewer, found))
                     if model["object_type"] == "deal" else None)
    return model


def _card_op(view: ViewT) -> ViewT:
    """What both card operations share: the signed query, the card body, the card, the refusals."""
    for decorate in reversed((blp.doc(security=_SIGNED), blp.arguments(CardQuerySchema, location="query"),
                              blp.arguments(CardRequestSchema), blp.response(200, CardSchema),
                              alt_problem(blp, 400, "Several portalId query parameters"),
                              alt_problem(blp, 401, "Missing, stale or wrong HubSpot signature"),
                              alt_problem(blp, 403, "Not installed for this HubSpot account, or the body names "
                                                    "another portal"))):
        view = decorate(view)
    return view


@blp.route("/card")
class CardData(MethodView):
    @_card_op
    def post(self, _query: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        """Card data for a company or deal record (from cache; well under HubSpot's 15 s / 1 MB limits)."""
        return _card(body, refresh=False)


@blp.route("/card/refresh")
class CardRefresh(MethodView):
    @_card_op
    @alt_problem(blp, 429, "Refreshed too recently")
    def post(self, _query: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        """Refresh now: re-read the ERP for this record's company (rate limited per account)."""
        return _card(body, refresh=True)


@blp.route("/webhooks")
class Webhooks(MethodView):
    @blp.doc(security=_SIGNED)
    @blp.arguments(WebhookEventSchema(many=True))
    @blp.response(200, WebhookResultSchema)
    @alt_problem(blp, 401, "Signature failed; nothing was stored")
    @alt_problem(blp, 503, "Won stages or the order intake unavailable; HubSpot retries the batch")
    def post(self, _events: list[dict[str, Any]]) -> dict[str, Any]:
        """HubSpot webhook batch (deal.propertyChange on dealstage): won deals go to the order intake."""
        outcome, results = receive_events(hubspot())
        duplicates = sum(1 for r in results if r.duplicate)
        return {"accepted": len(results) - duplicates, "duplicates": duplicates, "ignored": outcome.ignored}


# -- the disconnect page -------------------------------------------------------------------
@admin_pages.route("/uninstall", methods=["GET", "POST"])
def uninstall() -> Response:
    """Disconnect this HubSpot account (admin session): revoke tokens, drop cached ERP data."""
    return disconnect_page(LABEL, hubspot, "Uninstall the app in HubSpot (Settings > Integrations > Connected "
                           "apps) to remove the card as well.")
