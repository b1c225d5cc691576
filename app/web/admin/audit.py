"""The verified actor of an admin request, and the admin audit bound to it (``app.ops.admin_audit``).

Every admin write view records through ``admin_audit()`` (or hands ``current_actor()`` to a
service that records): the actor is the user id of the verified admin session, or ``operator``
for the operator token, never a value the request names.
"""
from __future__ import annotations

from flask import request

from app.ops.admin_audit import Actor, BoundAudit
from app.web.admin.auth import admin_caller
from app.web.context import services

#: where a request came from, by blueprint (anything else under /api/ is the admin API)
_SOURCES = {"admin": "settings_page", "ops_pages": "operations_page", "hubspot_admin": "crm_page",
            "pipedrive_admin": "crm_page"}


def request_source() -> str:
    """``settings_page``, ``operations_page``, ``crm_page`` or ``admin_api``."""
    source = _SOURCES.get(request.blueprint or "")
    if source:
        return source
    return "admin_api" if request.path.startswith("/api/") else "settings_page"


def current_actor() -> Actor:
    """The admin caller of this request as an audit actor (verifies the credential: Unauthorized without one)."""
    return Actor(admin_caller().user_id, request_source())


def admin_audit() -> BoundAudit:
    """The admin audit, recording as this request's admin."""
    return services().ops.admin_audit.by(current_actor())
