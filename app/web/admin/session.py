"""The admin session cookie and CSRF protection of the settings page, in one place.

OAuth callbacks (Pipedrive, HubSpot) and the demo login call
``start_admin_session(tenant_id, user_id)`` (or ``set_admin_session_cookie`` on a
response they build themselves) to land the installing admin on SETTINGS_PATH.

The cookie is ``__Host-`` prefixed, Secure, HttpOnly, SameSite=Lax, Path=/ (ASVS
3.3.1/3.3.2/3.3.4). Every write it authenticates passes ``app.web.csrf`` (same origin
and a per-session CSRF token, ASVS 3.5.1/3.5.3).
"""
from __future__ import annotations

from flask import redirect
from werkzeug.wrappers import Response

from app.auth.admin import COOKIE_NAME, SESSION_TTL
from app.errors import Forbidden
from app.tenants.model import Tenant
from app.web.admin.auth import admin_tenant
from app.web.context import services

#: where admins land after install / login
SETTINGS_PATH = "/admin/settings"


def set_admin_session_cookie(response: Response, token: str, max_age: int = SESSION_TTL) -> Response:
    """Put an admin session token (from ``services.admin_sessions.mint``) on a response."""
    response.set_cookie(COOKIE_NAME, token, max_age=max_age, path="/", secure=True, httponly=True,
                        samesite="Lax")
    return response


def clear_admin_session_cookie(response: Response) -> Response:
    """Remove the admin session cookie (logout)."""
    response.delete_cookie(COOKIE_NAME, path="/", secure=True, httponly=True, samesite="Lax")
    return response


def start_admin_session(tenant_id: str, user_id: str, location: str = SETTINGS_PATH) -> Response:
    """Mint an admin session for this tenant/user and redirect (303) to the settings page with the cookie.

    ``location`` must be a path on this site (never a URL taken from the request: no open redirects).
    """
    if not location.startswith("/") or location.startswith("//") or "\\" in location:
        raise ValueError("start_admin_session redirects only to a path on this site")
    token = services().admin_sessions.mint(tenant_id, user_id)
    return set_admin_session_cookie(redirect(location, code=303), token)


def active_admin_tenant(tenant_id: str | None = None) -> Tenant:
    """``admin_tenant()`` that also refuses uninstalled installations (their sessions may outlive them)."""
    tenant = admin_tenant(tenant_id)
    if not tenant.active:
        raise Forbidden("erp-panel was uninstalled from this CRM account; install it again to change settings.",
                        reason="tenant_inactive")
    return tenant

