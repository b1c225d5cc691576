"""Salesforce's own routes: the Canvas entry page, the sandbox install, the set-up and disconnect pages
(production install: app.web.crm.install; outbound messages: app.web.crm.webhooks).

The Canvas app URL receives Salesforce's POST of ``signed_request``
(https://developer.salesforce.com/docs/platform/canvas-framework/guide/canvas-app-signed-req-authentication.html).
It is verified here (a page that would not work is not served) and handed to the account widget in
the page itself; the widget exchanges it for a widget session like every CRM's credential. The page
sets no cookie (third-party cookies are blocked in Salesforce's iframe) and may be framed only by
Salesforce origins.
"""
from __future__ import annotations

import re

from flask import Blueprint, Flask, make_response, render_template, request
from markupsafe import escape
from werkzeug.wrappers import Response

from app.crm.salesforce.integration import (
    CALLBACK_PATH,
    SANDBOX_CALLBACK_PATH,
    SANDBOX_INSTALL_PATH,
    SalesforceIntegration,
)
from app.errors import AppError, NotFound, Unauthorized
from app.web.admin.auth import admin_tenant
from app.web.context import services
from app.web.crm import install
from app.web.crm.common import disconnect_page, message_page
from app.web.csrf import protect_admin_blueprint
from app.web.security import allow_framing
from app.web.widgets import ASSETS

LABEL = SalesforceIntegration.label
CANVAS_PATH = "/salesforce/canvas"
_APP_TAG = '<main id="app"'
WIDGET_PATH = "/widgets/account-panel/"
#: index.html's relative asset references (the widget's own route serves them relative to its directory)
_ASSET_REFERENCE = re.compile(r'\b(src|href|data-src)="(?![/#]|[a-z]+:)([^"]+)"')

bp = Blueprint("salesforce", __name__, url_prefix="/salesforce")
admin_bp = protect_admin_blueprint(Blueprint("salesforce_admin", __name__, url_prefix="/salesforce"))


def salesforce() -> SalesforceIntegration:
    found = services().crm.of_kind(SalesforceIntegration)
    if found is None:
        raise NotFound(f"The Salesforce connected app is not configured on this server "
                       f"({SalesforceIntegration.settings_hint})", reason="salesforce_not_configured")
    return found


def widget_page(data: dict[str, str]) -> str:
    """The account widget's page (its fingerprinted assets named by absolute path, as this page is served
    at the Canvas URL) with its start values as ``data-*`` attributes (escaped) on ``#app``."""
    page = _ASSET_REFERENCE.sub(rf'\1="{WIDGET_PATH}\2"', ASSETS.index("account-panel")[0].decode("utf-8"))
    attributes = "".join(f' data-{name}="{escape(value)}"' for name, value in data.items() if value)
    if _APP_TAG not in page:
        raise RuntimeError("widgets/account-panel/index.html lost its #app element")
    return page.replace(_APP_TAG, _APP_TAG + attributes, 1)


@bp.route("/canvas", methods=["GET", "POST"])
def canvas() -> Response:
    """The Canvas app URL: verify the signed request, then serve the widget for the record's account."""
    # FRAME_ORIGINS (default) has Salesforce's: *.force.com (Lightning, Visualforce) and *.salesforce.com
    allow_framing(list(services().settings.frame_origins))
    if request.method == "GET":
        return message_page(LABEL, "Open erp-panel from Salesforce", "This page is the Canvas app: Salesforce opens "
                            "it on Account and Opportunity pages with a signed request.", 405)
    signed_request = request.form.get("signed_request", "")
    try:
        integration = salesforce()
        caller = integration.verify_widget_credential(signed_request)
        integration.tenant_of(caller)
    except Unauthorized:
        return message_page(LABEL, "Not authorized", "Salesforce's signed request did not verify. Reload the page; "
                            "if it stays, the connected app's consumer secret differs from this server's.", 401)
    except AppError as exc:
        return message_page(LABEL, "erp-panel is not available", exc.detail, exc.status)
    page = widget_page({"crm": "salesforce", "credential": signed_request, "account": caller.object_id,
                        "deal": caller.user_context.get("opportunity_id", "")})
    response = make_response(page, 200)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/sandbox/install")
def sandbox_install() -> Response:
    """Install into a sandbox org (login at test.salesforce.com)."""
    found = services().crm.of_kind(SalesforceIntegration)
    return install.start("salesforce", found.sandbox_install if found else None)


@bp.get("/sandbox/oauth/callback")
def sandbox_callback() -> Response:
    found = services().crm.of_kind(SalesforceIntegration)
    return install.callback("salesforce", found.sandbox_install if found else None, install_path=SANDBOX_INSTALL_PATH)


@admin_bp.get("/settings")
def settings_page() -> Response | str:
    """What the admin types into Salesforce for this installation (outbound message URL with its secret)."""
    try:
        tenant = admin_tenant()
        integration = salesforce()
    except AppError as exc:
        return message_page(LABEL, "Salesforce set-up", exc.detail, exc.status)
    if tenant.crm != integration.name:
        return message_page(LABEL, "Not a Salesforce installation", "This page is only for Salesforce installations.",
                            404)
    public = services().settings.public_base_url.rstrip("/")
    return render_template("salesforce/settings.html", tenant=tenant, outbound_url=integration.outbound_url(tenant),
                           canvas_url=public + CANVAS_PATH, callbacks=[public + CALLBACK_PATH,
                                                                      public + SANDBOX_CALLBACK_PATH])


@admin_bp.route("/uninstall", methods=["GET", "POST"])
def uninstall() -> Response:
    """Disconnect this Salesforce org (admin session): revoke the refresh token, drop cached ERP data."""
    return disconnect_page(LABEL, salesforce, "Remove the connected app's Canvas component and deactivate the "
                           "erp-panel Flow in Salesforce Setup as well.")


def register(app: Flask) -> None:
    app.register_blueprint(bp)
    app.register_blueprint(admin_bp)
