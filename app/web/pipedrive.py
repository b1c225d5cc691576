"""Pipedrive app pages: install (OAuth), uninstall callback, and the Pipedrive fields page.

Thin views: the work happens in app.crm.pipedrive (installer, field manager).
Panels, the iframe entry point and webhooks are in app.web.pipedrive_panels.
"""
from __future__ import annotations

import logging

from flask import Blueprint, abort, make_response, redirect, render_template, request

from app.crm.base import CRMError
from app.crm.pipedrive.fields import SPECS, FieldManager, UnknownField, apply_choices
from app.crm.pipedrive.install import InstallError
from app.errors import AppError, BadRequest, Unauthorized
from app.web.admin_auth import admin_tenant
from app.web.admin_session import set_admin_session_cookie
from app.web.context import services
from app.web.csrf import CSRF_FIELD, csrf_token, protect_admin_blueprint

log = logging.getLogger("erp_panel.pipedrive")

bp = Blueprint("pipedrive", __name__, url_prefix="/pipedrive")
#: the fields page: an admin page, so its cookie-authenticated writes pass the CSRF rule
admin_bp = protect_admin_blueprint(Blueprint("pipedrive_admin", __name__, url_prefix="/pipedrive"))

STATE_COOKIE = "__Host-erp_panel_pd_state"
SETTINGS_PAGE = "/admin/settings"
FIELDS_PAGE = "/pipedrive/settings/fields"
STATE_COOKIE_TTL = 600


def pipedrive():
    """The Pipedrive services, or a plain 'not configured' page."""
    found = services().extra.get("pipedrive")
    if found is None:
        abort(make_response(_page("Pipedrive is not set up", "This server has no Pipedrive app credentials "
                                  "(PIPEDRIVE_CLIENT_ID / PIPEDRIVE_CLIENT_SECRET).", 503)))
    return found


def _page(title: str, message: str, status: int = 200, *, link=None):
    return render_template("pipedrive/message.html", title=title, message=message, error=status >= 400,
                           link=link), status


def _cookie(response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(name, value, max_age=max_age, secure=True, httponly=True, samesite="Lax", path="/")


@bp.get("/install")
def install_start():
    """Start an install from our side: one-time state, bound to this browser by a cookie."""
    try:
        url, state = pipedrive().installer.start()
    except InstallError as exc:
        return _page("Pipedrive install", exc.message, 503)
    response = redirect(url, code=302)
    _cookie(response, STATE_COOKIE, state, STATE_COOKIE_TTL)
    return response


@bp.get("/oauth/callback")
def install_callback():
    """Pipedrive sends the admin back here with ``code`` (+ ``state``), or ``error``."""
    pd = pipedrive()
    restart = ("Start the install again", "/pipedrive/install")
    state = request.args.get("state", "")
    browser_state = request.cookies.get(STATE_COOKIE, "")
    try:
        if state:
            pd.installer.check_state(state, browser_state)  # one-time: also burns it on denied consent
        if request.args.get("error"):
            denied = request.args.get("error") == "access_denied"
            message = ("The install was cancelled in Pipedrive, so erp-panel has no access. Nothing was stored."
                       if denied else "Pipedrive reported an error during the install. Nothing was stored.")
            return _clear_state(_page("Install cancelled" if denied else "Install failed", message, 400,
                                      link=restart))
        result = pd.installer.complete(request.args.get("code", ""), state_verified=bool(state))
    except InstallError as exc:
        log.info("pipedrive install refused: %s", exc.reason)
        return _clear_state(_page("Install failed", exc.message, 400, link=restart))
    if not state:
        # Marketplace-started install: installed, but sign the browser in only via a state-bound round trip.
        return redirect("/pipedrive/install", code=302)
    if not result.sign_in:
        return _clear_state(_page("erp-panel is installed", "Only a Pipedrive admin can open the erp-panel "
                                  "settings. Ask an admin of your company to open them.", 200))
    response = _clear_state(redirect(SETTINGS_PAGE, code=302))
    return set_admin_session_cookie(response, services().admin_sessions.mint(result.tenant.id, result.user_id))


def _clear_state(response):
    response = make_response(response)
    response.delete_cookie(STATE_COOKIE, path="/", secure=True, httponly=True, samesite="Lax")
    return response


@bp.delete("/oauth/callback")
def uninstall_callback():
    """Pipedrive's uninstall notice: Basic client_id:client_secret, JSON {client_id, company_id, user_id}."""
    pd = pipedrive()
    if not pd.installer.verify_uninstall(request.headers.get("Authorization", "")):
        raise Unauthorized("The uninstall notice did not carry this app's client credentials",
                           reason="invalid_credentials", headers={"WWW-Authenticate": 'Basic realm="erp-panel"'})
    body = request.get_json(silent=True)
    body = body if isinstance(body, dict) else {}
    company_id = str(body.get("company_id") or "").strip()
    if str(body.get("client_id") or "") != pd.installer.oauth.client_id or not company_id.isdigit():
        raise BadRequest("Not an uninstall notice for this app", reason="not_an_uninstall_notice")
    tenant = pd.installer.uninstall(company_id)
    return {"status": "uninstalled" if tenant else "unknown company"}, 200


@admin_bp.route("/settings/fields", methods=["GET", "POST"])
def fields_page():
    """Pick (or create) the custom fields; saved in TenantSettings.crm_fields.

    The POST is a cookie-authenticated write: the blueprint's CSRF rule (``app.web.csrf``) runs first.
    """
    pd = pipedrive()
    try:
        tenant = admin_tenant()
    except Unauthorized:
        return _page("Sign in needed", "Open erp-panel from Pipedrive (or install it) to change its settings.",
                     401, link=("Install / sign in with Pipedrive", "/pipedrive/install"))
    except AppError as exc:
        return _page("Pipedrive fields", exc.detail, exc.status, link=("Back to the fields", FIELDS_PAGE))
    if tenant.crm != "pipedrive" or not tenant.active:
        return _page("Not a Pipedrive installation", "This page is only for Pipedrive installations.", 404)
    manager: FieldManager = pd.adapter.fields_for(tenant)
    notice = None
    try:
        if request.method == "POST":
            chosen = apply_choices(manager, tenant.settings.crm_fields, request.form.to_dict())
            tenant.settings.crm_fields = chosen
            services().tenants.save_settings(tenant.id, tenant.settings)
            notice = "Saved."
        choices = {entity: manager.list(entity) for entity in ("deal", "organization")}
    except UnknownField as exc:
        return _page("Pipedrive fields", str(exc), 400, link=("Back to the fields", FIELDS_PAGE))
    except CRMError as exc:
        log.info("pipedrive fields page failed for tenant %s: %s", tenant.id, exc.reason)
        return _page("Pipedrive fields", "Pipedrive did not answer as expected; try again in a minute.", 502,
                     link=("Back to the fields", FIELDS_PAGE))
    rows = [{"spec": spec, "choices": choices[spec.entity], "current": tenant.settings.crm_fields.get(spec.setting)}
            for spec in SPECS]
    return render_template("pipedrive/fields.html", tenant=tenant, rows=rows, notice=notice,
                           csrf_field=CSRF_FIELD, csrf_token=csrf_token())


def register(app, api, services_) -> None:
    """Called by app.web.routes for the optional Pipedrive module."""
    from app.web import pipedrive_panels
    app.register_blueprint(bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(pipedrive_panels.bp)
    api.register_blueprint(pipedrive_panels.blp)
