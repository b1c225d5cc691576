"""Pipedrive's own pages: the uninstall notice and the Pipedrive fields page (install: app.web.crm.install).

Thin views: the work happens in app.crm.pipedrive (integration, field manager). Panels, the iframe
entry point and webhooks are in app.web.crm.pipedrive_panels.
"""
from __future__ import annotations

import logging

from flask import Blueprint, Flask, abort, render_template, request
from werkzeug.wrappers import Response

from app.crm.pipedrive.fields import SPECS, UnknownField, apply_choices
from app.crm.pipedrive.integration import FIELDS_PAGE, PipedriveIntegration
from app.errors import AppError, Unauthorized, UpstreamError
from app.ops.admin_audit import Actor, changed_values
from app.web.admin.audit import admin_audit
from app.web.admin.auth import admin_tenant
from app.web.context import services
from app.web.crm import pipedrive_panels
from app.web.crm.common import inbound, message_page
from app.web.csrf import CSRF_FIELD, csrf_token, protect_admin_blueprint
from app.web.problems import ProblemApi

log = logging.getLogger("erp_panel.pipedrive")

bp = Blueprint("pipedrive", __name__, url_prefix="/pipedrive")
#: the fields page: an admin page, so its cookie-authenticated writes pass the CSRF rule
admin_bp = protect_admin_blueprint(Blueprint("pipedrive_admin", __name__, url_prefix="/pipedrive"))
LABEL = PipedriveIntegration.label


def pipedrive() -> PipedriveIntegration:
    """The Pipedrive integration, or a plain 'not configured' page."""
    found = services().crm.of_kind(PipedriveIntegration)
    if found is None:
        abort(message_page(LABEL, "Pipedrive is not set up", "Pipedrive is not configured on this server "
                           f"({PipedriveIntegration.settings_hint}).", 404))
    return found


@bp.delete("/oauth/callback")
def uninstall_callback() -> tuple[dict[str, str], int]:
    """Pipedrive's uninstall notice: Basic client_id:client_secret, JSON {client_id, company_id, user_id}."""
    tenant = pipedrive().uninstall_notice(inbound())
    if tenant is not None:
        services().ops.admin_audit.record(tenant.id, Actor("pipedrive", "crm"), "crm.uninstall",
                                          target=tenant.installation_id, before={"status": tenant.status},
                                          after={"status": "uninstalled"})
    return {"status": "uninstalled" if tenant else "unknown company"}, 200


@admin_bp.route("/settings/fields", methods=["GET", "POST"])
def fields_page() -> Response | str:
    """Pick (or create) the custom fields; saved in TenantSettings.crm_fields.

    The POST is a cookie-authenticated write: the blueprint's CSRF rule (``app.web.csrf``) runs first.
    """
    integration = pipedrive()
    back = ("Back to the fields", FIELDS_PAGE)
    try:
        tenant = admin_tenant()
    except Unauthorized:
        return message_page(LABEL, "Sign in needed", "Open erp-panel from Pipedrive (or install it) to change its "
                            "settings.", 401, link=("Install / sign in with Pipedrive", "/pipedrive/install"))
    except AppError as exc:
        return message_page(LABEL, "Pipedrive fields", exc.detail, exc.status, link=back)
    if tenant.crm != integration.name or not tenant.active:
        return message_page(LABEL, "Not a Pipedrive installation", "This page is only for Pipedrive installations.",
                            404)
    manager = integration.fields_for(tenant)
    notice = None
    try:
        if request.method == "POST":
            before = dict(tenant.settings.crm_fields)
            tenant.settings.crm_fields = apply_choices(manager, tenant.settings.crm_fields, request.form.to_dict())
            services().tenants.save_settings(tenant.id, tenant.settings)
            old, new = changed_values(before, tenant.settings.crm_fields)
            admin_audit().record(tenant.id, "crm_fields.save", target="Pipedrive fields", before=old, after=new)
            notice = "Saved."
        choices = {entity: manager.list(entity) for entity in ("deal", "organization")}
    except UnknownField as exc:
        return message_page(LABEL, "Pipedrive fields", str(exc), 400, link=back)
    except UpstreamError as exc:
        log.info("pipedrive fields page failed for tenant %s: %s", tenant.id, exc.reason)
        return message_page(LABEL, "Pipedrive fields", "Pipedrive did not answer as expected; try again in a minute.",
                            502, link=back)
    rows = [{"spec": spec, "choices": choices[spec.entity], "current": tenant.settings.crm_fields.get(spec.setting)}
            for spec in SPECS]
    return render_template("pipedrive/fields.html", tenant=tenant, rows=rows, notice=notice,
                           csrf_field=CSRF_FIELD, csrf_token=csrf_token())


def register(app: Flask, api: ProblemApi) -> None:
    """Pipedrive's pages, panels, webhooks and widget helper API."""
    app.register_blueprint(bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(pipedrive_panels.bp)
    api.register_blueprint(pipedrive_panels.blp)
