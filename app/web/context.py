"""Access to the per-app service graph and the verified caller from views."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, request

from app.auth.widget_token import WidgetClaims, WidgetTokenInvalid
from app.errors import Forbidden, Unauthorized
from app.panel.figures import Viewer
from app.services import Services
from app.tenants.model import Tenant


def services() -> Services:
    return current_app.extensions["erp_panel"]


@dataclass(frozen=True)
class WidgetCaller:
    claims: WidgetClaims
    tenant: Tenant

    @property
    def viewer(self) -> Viewer:
        """The CRM user as verified at the session exchange (roles and teams from the token)."""
        return Viewer(self.claims.user_id, roles=frozenset(self.claims.roles), teams=frozenset(self.claims.teams))


def presented_bearer() -> str:
    """The token of an ``Authorization: Bearer <token>`` header ("" when there is none)."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def bearer_token() -> str:
    token = presented_bearer()
    if not token:
        raise Unauthorized("Send the widget token as 'Authorization: Bearer <token>'", reason="missing_token")
    return token


def widget_caller(crm_account_id: str | None = None) -> WidgetCaller:
    """Verify the widget token; the tenant comes only from its claims, never from the request."""
    svc = services()
    try:
        claims = svc.widget_tokens.verify(bearer_token())
    except WidgetTokenInvalid as exc:
        raise Unauthorized(f"The widget session is not valid ({exc}); reload the panel",
                           reason="invalid_widget_token") from None
    tenant = svc.tenant_cache.tenant(claims.tenant_id)     # from memory; every change drops the copy
    if tenant is None or not tenant.active:
        raise Unauthorized("This installation is no longer active", reason="tenant_inactive")
    if crm_account_id is not None and claims.object_id and claims.object_id != crm_account_id:
        raise Forbidden("This widget session is for another record", reason="wrong_record")
    return WidgetCaller(claims=claims, tenant=tenant)
