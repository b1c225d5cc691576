"""The install pages of every CRM that installs with OAuth: ``/<crm>/install`` and ``/<crm>/oauth/callback``.

Registered for each OAuth integration of ``app.crm.registry.INTEGRATIONS`` (running here or not: a
CRM without app credentials answers "not configured"). The state is bound to the browser by a
``__Host-`` cookie; the callback runs the integration's OAuth flow and lands a CRM admin on the
settings page with an admin session, or shows one sentence saying what went wrong.
"""
from __future__ import annotations

import logging

from flask import Blueprint, Flask, redirect, request
from werkzeug.wrappers import Response

from app.crm.oauth.flow import OAuthFlow
from app.crm.oauth.states import STATE_TTL_SECONDS, InstallError
from app.crm.registry import INTEGRATIONS, CRMRegistry
from app.ops.admin_audit import Actor
from app.web.admin.session import start_admin_session
from app.web.context import services
from app.web.crm.common import message_page

log = logging.getLogger("erp_panel.web")

STATE_COOKIE = "__Host-erp_panel_install_state"


def _label(name: str) -> str:
    kind = CRMRegistry.kind(name)
    return kind.label if kind else name


def _flow(name: str) -> OAuthFlow | None:
    integration = services().crm.find(name)
    return integration.install if integration is not None else None


def _not_configured(name: str) -> Response:
    kind = CRMRegistry.kind(name)
    hint = f" ({kind.settings_hint})" if kind and kind.settings_hint else ""
    label = _label(name)
    return message_page(label, f"{label} is not set up", f"{label} is not configured on this server{hint}.", 404)


def start(name: str, flow: OAuthFlow | None = None) -> Response:
    """Start an install from our side: a one-time state, bound to this browser by a cookie (``flow``: one
    other than the integration's own, e.g. Salesforce's sandbox login)."""
    flow = flow or _flow(name)
    if flow is None:
        return _not_configured(name)
    try:
        begun = flow.start()
    except InstallError as exc:
        return message_page(flow.label, f"{flow.label} install", exc.message, 404)
    response = redirect(begun.url, code=302)
    response.set_cookie(STATE_COOKIE, begun.state, max_age=STATE_TTL_SECONDS, secure=True, httponly=True,
                        samesite="Lax", path="/")
    return response


def callback(name: str, flow: OAuthFlow | None = None, install_path: str = "") -> Response:
    """The CRM sends the admin back here with ``code`` and ``state`` (or ``error``)."""
    flow = flow or _flow(name)
    if flow is None:
        return _not_configured(name)
    label = flow.label
    install_path = install_path or f"/{name}/install"
    restart = ("Start the install again", install_path)
    try:
        result = flow.complete(code=request.args.get("code", ""), state=request.args.get("state", ""),
                               browser_state=request.cookies.get(STATE_COOKIE, ""),
                               error=request.args.get("error", ""))
    except InstallError as exc:
        log.info("%s install refused: %s", name, exc.reason)
        return _forget_state(message_page(label, "Install did not complete", exc.message, 400, link=restart))
    services().ops.admin_audit.record(result.tenant.id, Actor(result.user_id or name, "crm"), "crm.install",
                                      target=result.tenant.installation_id, after={"status": result.tenant.status})
    if not result.state_verified:
        # started on the CRM's side: installed, but sign the browser in only via a state-bound round trip
        return redirect(install_path, code=302)
    if not result.sign_in:
        return _forget_state(message_page(label, "erp-panel is installed", f"Only a {label} admin can open the "
                                          "erp-panel settings. Ask an admin of your company to open them."))
    return _forget_state(start_admin_session(result.tenant.id, result.user_id))


def _forget_state(response: Response) -> Response:
    response.delete_cookie(STATE_COOKIE, path="/", secure=True, httponly=True, samesite="Lax")
    return response


def register(app: Flask) -> None:
    """Install pages for every OAuth CRM this release ships."""
    bp = Blueprint("crm_install", __name__)
    for kind in INTEGRATIONS:
        if kind.installs_with_oauth:
            bp.add_url_rule(f"/{kind.name}/install", f"{kind.name}_install", lambda n=kind.name: start(n))
            bp.add_url_rule(f"/{kind.name}/oauth/callback", f"{kind.name}_callback", lambda n=kind.name: callback(n))
    app.register_blueprint(bp)
