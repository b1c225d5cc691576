"""Admin side shared by every CRM integration: settings page, admin API, demo admin login.

Integrations land the installing admin here with
``app.web.admin_session.start_admin_session(tenant_id, user_id)`` (or
``set_admin_session_cookie(response, token)``); the page is at SETTINGS_PATH.
"""
from __future__ import annotations

from flask import Blueprint

from app.crm.demo.seed import DEMO_COMPANY
from app.errors import NotFound
from app.web import admin_api, admin_pages
from app.web.admin_session import (  # noqa: F401 - re-exported for the CRM integrations
    SETTINGS_PATH,
    clear_admin_session_cookie,
    set_admin_session_cookie,
    start_admin_session,
)
from app.web.context import services
from app.web.csrf import require_same_origin

DEMO_ADMIN_USER = "demo-admin"

demo_bp = Blueprint("admin_demo", __name__, url_prefix="/demo")


@demo_bp.post("/admin-login")
def demo_admin_login():
    """The demo CRM has no OAuth: sign in as the demo company's admin and open the settings page."""
    require_same_origin()
    tenant = services().tenants.find("demo", DEMO_COMPANY)
    if tenant is None or not tenant.active:
        raise NotFound("The demo installation does not exist", reason="demo_not_installed")
    return start_admin_session(tenant.id, DEMO_ADMIN_USER)


def register(app, api, services) -> None:
    """Register the settings page, the admin API and (demo only) the demo admin login."""
    app.register_blueprint(admin_pages.bp)
    api.register_blueprint(admin_api.blp)
    if services.settings.demo_enabled:
        app.register_blueprint(demo_bp)
