"""Install and uninstall a HubSpot account: the OAuth callback as a straight run of checks.

Each failure names its reason (consent_denied, state_unknown/reused/expired, code_missing,
hubspot_token_rejected/unavailable, hub_id_missing, property_setup_failed) so the callback page
can say what happened in one sentence.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import requests

from app.crm.base import CRMError
from app.crm.hubspot.errors import HubSpotProblem
from app.crm.hubspot.install_state import OAuthStateStore, StateInvalid
from app.crm.hubspot.mapping import ORDER_FIELD_KEYS
from app.crm.hubspot.oauth import HubSpotOAuth, OAuthFailure
from app.crm.hubspot.tokens import HubSpotTokens
from app.tenants.model import Tenant
from app.tenants.store import TenantStore

log = logging.getLogger("erp_panel.hubspot")

CRM = "hubspot"


class InstallFailed(HubSpotProblem):
    """The install did not complete; ``reason`` is a stable code, the message a plain sentence."""


@dataclass(frozen=True)
class InstallResult:
    tenant: Tenant
    user_id: str
    created_properties: tuple[str, ...]


class HubSpotInstaller:
    """Starts the OAuth flow and completes it into an installed tenant."""

    def __init__(self, oauth: HubSpotOAuth, states: OAuthStateStore, tokens: HubSpotTokens,
                 tenants: TenantStore, panel, connector_for: Callable, erp_property: str):
        self.oauth = oauth
        self.states = states
        self.tokens = tokens
        self.tenants = tenants
        self.panel = panel
        self.connector_for = connector_for
        self.erp_property = erp_property

    def start(self) -> str:
        """The HubSpot authorize URL with a fresh one-time state (and PKCE challenge)."""
        pending = self.states.issue()
        return self.oauth.authorization_url(pending.state, pending.code_verifier)

    def complete(self, *, code: str, state: str, error: str = "") -> InstallResult:
        """Verify the state, exchange the code, store tokens, create the deal properties."""
        if error:
            # spend the state so the same link cannot be replayed after a refusal
            try:
                self.states.consume(state)
            except StateInvalid:
                pass
            raise InstallFailed("The installation was cancelled in HubSpot; nothing was installed.",
                                "consent_denied")
        try:
            pending = self.states.consume(state)
        except StateInvalid as exc:
            raise InstallFailed(str(exc), exc.reason) from None
        if not code:
            raise InstallFailed("HubSpot did not send an authorization code; start the installation again.",
                                "code_missing")
        try:
            token = self.oauth.exchange_code(code, pending.code_verifier)
            hub_id, user_id, hub_domain = token.hub_id, token.user_id, token.hub_domain
            if not (hub_id and user_id):
                meta = self.oauth.token_metadata(token.access_token)
                hub_id = hub_id or str(meta.get("hub_id") or "")
                user_id = user_id or str(meta.get("user_id") or "")
                hub_domain = hub_domain or str(meta.get("hub_domain") or "")
        except OAuthFailure as exc:
            raise InstallFailed(f"HubSpot did not complete the installation ({exc.reason}); try again.",
                                exc.reason) from None
        if not hub_id:
            raise InstallFailed("HubSpot did not say which account installed the app; try again.", "hub_id_missing")
        tenant = self.tenants.upsert_tenant(CRM, hub_id, name=hub_domain)
        self.tokens.save(tenant.id, token, extra={"hub_domain": hub_domain, "installed_by": user_id})
        self._remember_fields(tenant)
        try:
            created = self.connector_for(tenant).ensure_order_properties()
        except CRMError as exc:
            raise InstallFailed("Connected, but the ERP order fields could not be created on deals "
                                f"({exc.reason}); run the installation again.", "property_setup_failed") from None
        return InstallResult(tenant=self.tenants.get(tenant.id) or tenant, user_id=user_id or "hubspot-installer",
                             created_properties=tuple(created))

    def _remember_fields(self, tenant: Tenant) -> None:
        """Record which HubSpot properties we write/read so the settings page can show them."""
        settings = tenant.settings
        defaults = {**ORDER_FIELD_KEYS, "company_erp_customer_id": self.erp_property}
        missing = {k: v for k, v in defaults.items() if k not in settings.crm_fields}
        if missing:
            settings.crm_fields.update(missing)
            self.tenants.save_settings(tenant.id, settings)

    def uninstall(self, tenant: Tenant) -> None:
        """Revoke our refresh token (best effort), drop credentials and cached data, keep the audit trail."""
        creds = self.tenants.get_crm_credentials(tenant.id)
        if creds is not None and creds.refresh_token:
            try:
                self.oauth.delete_refresh_token(creds.refresh_token)
            except (OAuthFailure, requests.RequestException) as exc:
                log.warning("hubspot refresh token not revoked for tenant %s: %s", tenant.id, type(exc).__name__)
        self.tenants.mark_uninstalled(tenant.id)
        self.panel.forget_tenant(tenant.id)
