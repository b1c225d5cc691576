"""Install and uninstall of the Pipedrive app for one company.

Install = exchange the code, learn company and user from ``/v1/users/me``
(https://pipedrive.readme.io/docs/marketplace-oauth-api), create or reactivate
the tenant, store the tokens encrypted, and subscribe a webhooks-v2 deal
``change`` webhook protected by per-tenant random Basic-auth credentials.

State handling (documented decision):
- Installs started here carry a one-time, 10-minute ``state`` that is stored
  hashed and also bound to the browser by a cookie; only such a callback gets
  an admin session.
- Marketplace-started installs arrive without ``state`` (crm-contracts.md §2.1).
  We still exchange the code (the code itself proves the company's consent, and a
  stolen code can only install the app for its own company), but we do NOT sign
  the browser in: a stateless callback could be a login-CSRF link carrying
  someone else's code, and the settings page accepts ERP credentials. The
  browser is sent through a normal state-bound authorization instead (the
  admin approves once more and the fresh code comes back with our state).

Uninstall: Pipedrive sends ``DELETE`` with JSON ``{client_id, company_id,
user_id, timestamp}`` to the app's callback URL, authenticated with HTTP Basic
``client_id:client_secret`` (https://pipedrive.readme.io/docs/app-uninstallation).
App webhooks are removed by Pipedrive on uninstall (webhooks-for-apps).
"""
from __future__ import annotations

import hmac
import logging
import secrets
from dataclasses import dataclass

from app.crm.base import CRMError
from app.crm.oauth_state import OAuthStateError, OAuthStates
from app.crm.pipedrive.client import PipedriveClient, RateGate
from app.crm.pipedrive.oauth import PipedriveOAuth, TokenSet
from app.crm.pipedrive.webhooks import basic_credentials
from app.tenants.model import Tenant

log = logging.getLogger("erp_panel.pipedrive")

CRM = "pipedrive"
WEBHOOK_NAME = "erp-panel deal updates"


class InstallError(Exception):
    """The install could not complete; ``reason`` is a stable code, the message is for the admin."""

    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.message = message
        self.reason = reason


@dataclass(frozen=True)
class InstallResult:
    tenant: Tenant
    user_id: str
    #: True only for a state-verified callback from a Pipedrive admin: the browser may get an admin session
    sign_in: bool


class _InstallTokens:
    """Token source for the calls made during install, before the tenant's tokens are stored."""

    def __init__(self, tokens: TokenSet):
        self.tenant_id = "install:" + secrets.token_hex(4)
        self._tokens = tokens

    def current(self) -> tuple[str, str]:
        return self._tokens.access_token, self._tokens.api_domain or ""

    def refresh(self, expected: str | None = None) -> tuple[str, str]:
        raise InstallError("Pipedrive refused the new access token.", "token_refused")


class PipedriveInstaller:
    def __init__(self, *, tenants, states: OAuthStates, oauth: PipedriveOAuth, panel, clock,
                 webhook_url, client_for, timeout: float):
        self.tenants = tenants
        self.states = states
        self.oauth = oauth
        self.panel = panel
        self.clock = clock
        self.webhook_url = webhook_url          # tenant_id -> public webhook URL
        self.client_for = client_for            # tenant -> PipedriveClient
        self.timeout = timeout

    def start(self) -> tuple[str, str]:
        """(authorize URL, raw state) for an install started on our side."""
        if not self.oauth.configured:
            raise InstallError("Pipedrive is not configured on this server.", "not_configured")
        state = self.states.create(CRM)
        return self.oauth.authorize_url(state), state

    def check_state(self, state: str, browser_state: str) -> None:
        """The state must be the one this browser started with, unused and unexpired."""
        if not browser_state or not hmac.compare_digest(state.encode(), browser_state.encode()):
            raise InstallError("This install link was started in another browser. Start the install again.",
                               "state_mismatch")
        try:
            self.states.consume(CRM, state)
        except OAuthStateError as exc:
            raise InstallError(f"{exc} Start the install again.", exc.reason) from None

    def complete(self, code: str, *, state_verified: bool) -> InstallResult:
        """Exchange the code and set the installation up."""
        if not code or len(code) > 2048:
            raise InstallError("Pipedrive did not send an authorization code.", "missing_code")
        try:
            tokens = self.oauth.exchange_code(code)
        except CRMError as exc:
            raise InstallError("Pipedrive did not accept the authorization. Start the install again.",
                               "token_exchange_failed") from exc
        if not tokens.api_domain:
            raise InstallError("Pipedrive did not say which company this is (no api_domain).", "no_api_domain")
        install_client = PipedriveClient(_InstallTokens(tokens), RateGate(self.clock), timeout=self.timeout)
        try:
            me = install_client.get("/v1/users/me").get("data") or {}
        except CRMError as exc:
            raise InstallError("Could not read your Pipedrive user and company.", "users_me_failed") from exc
        company_id, user_id = str(me.get("company_id") or ""), str(me.get("id") or "")
        if not company_id.isdigit() or not user_id:
            raise InstallError("Pipedrive did not say which company this is.", "users_me_failed")
        tenant = self.tenants.upsert_tenant(CRM, company_id, str(me.get("company_name") or ""))
        previous = self.tenants.get_crm_credentials(tenant.id)
        webhook = {"webhook_user": "erp-panel-" + secrets.token_hex(8), "webhook_password": secrets.token_urlsafe(32)}
        self.tenants.save_crm_credentials(tenant.id, access_token=tokens.access_token,
                                          refresh_token=tokens.refresh_token, expires_at=tokens.expires_at,
                                          api_domain=tokens.api_domain, scopes=tokens.scope, extra=webhook)
        self._subscribe(tenant, webhook, user_id, previous.extra.get("webhook_id") if previous else None)
        is_admin = me.get("is_admin")
        return InstallResult(tenant=tenant, user_id=user_id,
                             sign_in=state_verified and is_admin not in (False, 0, "0", "false"))

    def _subscribe(self, tenant: Tenant, webhook: dict, user_id: str, old_webhook_id: str | None) -> None:
        """Create the deal-change webhook (v2) for this tenant; drop the one from an earlier install."""
        client = self.client_for(tenant)
        if old_webhook_id:
            try:
                client.delete(f"/api/v1/webhooks/{int(old_webhook_id)}")
            except (CRMError, ValueError):
                log.info("old Pipedrive webhook of tenant %s was already gone", tenant.id)
        body = {"subscription_url": self.webhook_url(tenant.id), "event_action": "change", "event_object": "deal",
                "version": "2.0", "name": WEBHOOK_NAME, "http_auth_user": webhook["webhook_user"],
                "http_auth_password": webhook["webhook_password"]}
        if user_id.isdigit():
            body["user_id"] = int(user_id)
        try:
            data = client.post("/api/v1/webhooks", body).get("data") or {}
        except CRMError as exc:
            raise InstallError("erp-panel is connected, but Pipedrive refused the deal webhook "
                               "(the app needs the 'admin' scope). Won deals will not reach the ERP until "
                               "the install is repeated.", "webhook_failed") from exc
        self.tenants.save_crm_credentials(
            tenant.id, **_unchanged(self.tenants.get_crm_credentials(tenant.id)),
            extra={**webhook, "webhook_id": str(data.get("id") or "")})

    def verify_uninstall(self, authorization: str) -> bool:
        """Pipedrive's uninstall call carries Basic base64(client_id:client_secret)."""
        user, password = basic_credentials(authorization)
        # compare both parts every time (constant time, no early exit on the user name)
        user_ok = hmac.compare_digest(user.encode(), self.oauth.client_id.encode())
        password_ok = hmac.compare_digest(password.encode(), self.oauth.client_secret.encode())
        return self.oauth.configured and user_ok and password_ok

    def uninstall(self, company_id: str) -> Tenant | None:
        """Delete tokens and cached data of the company's tenant; keep the row for the audit trail."""
        tenant = self.tenants.find(CRM, str(company_id))
        if tenant is None:
            return None
        self.panel.forget_tenant(tenant.id)
        self.tenants.mark_uninstalled(tenant.id)
        log.info("pipedrive tenant %s uninstalled", tenant.id)
        return tenant


def _unchanged(creds) -> dict:
    return {"access_token": creds.access_token, "refresh_token": creds.refresh_token,
            "expires_at": creds.expires_at, "api_domain": creds.api_domain, "scopes": creds.scopes}
