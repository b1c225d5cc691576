"""Resolving the admin caller: tenant admin session (cookie/Bearer) or the operator ADMIN_TOKEN.

A session taken from the cookie authenticates a write only through ``app.web.csrf`` (same origin
+ CSRF token); a Bearer credential is never sent by a browser on its own and needs neither.
"""
from __future__ import annotations

import hmac
from dataclasses import dataclass

from flask import g, request

from app.auth.admin import COOKIE_NAME, AdminSessionInvalid
from app.errors import Forbidden, NotFound, Unauthorized
from app.tenants.model import Tenant
from app.web.context import presented_bearer, services
from app.web.csrf import guard_cookie_write


@dataclass(frozen=True)
class AdminCaller:
    user_id: str
    tenant_id: str | None        # None for the operator token (may act on any tenant)

    @property
    def is_operator(self) -> bool:
        return self.tenant_id is None


def admin_caller() -> AdminCaller:
    """Verify the admin credential of the current request (once per request)."""
    known: AdminCaller | None = g.get("admin_caller")
    if known is not None:
        return known
    g.admin_caller = caller = _verify_admin_caller()
    return caller


def _verify_admin_caller() -> AdminCaller:
    svc = services()
    token = presented_bearer()
    operator = svc.settings.admin_token
    if token and operator and hmac.compare_digest(token.encode(), operator.encode()):
        return AdminCaller(user_id="operator", tenant_id=None)
    guard_cookie_write()
    session = token or request.cookies.get(COOKIE_NAME, "")
    try:
        claims = svc.admin_sessions.verify(session)
    except AdminSessionInvalid as exc:
        raise Unauthorized(f"Admin sign-in required ({exc})", reason="admin_auth_required") from None
    return AdminCaller(user_id=claims.user_id, tenant_id=claims.tenant_id)


def admin_tenant(tenant_id: str | None = None) -> Tenant:
    """The tenant an admin request acts on: the session's own, or (operator only) the one named."""
    caller = admin_caller()
    svc = services()
    if caller.is_operator:
        if not tenant_id:
            raise NotFound("Name the tenant (operator token)", reason="tenant_required")
        wanted = tenant_id
    else:
        if tenant_id and tenant_id != caller.tenant_id:
            raise Forbidden("This admin session belongs to another installation", reason="wrong_tenant")
        wanted = caller.tenant_id or ""
    tenant = svc.tenants.get(wanted)
    if tenant is None:
        raise NotFound("No such installation", reason="unknown_tenant")
    return tenant
