"""Pipedrive's part of an install, and its uninstall notice.

Install (https://pipedrive.readme.io/docs/marketplace-oauth-api): after the code exchange
(app.crm.oauth), learn company and user from ``/v1/users/me``, then subscribe a webhooks-v2 deal
``change`` webhook protected by per-tenant random Basic-auth credentials (stored encrypted with
the tokens), replacing the one an earlier install made.

Marketplace-started installs arrive without ``state`` (Pipedrive starts them on its side): the
flow completes them but signs nobody in; the browser is sent through a state-bound authorization
instead (the admin approves once more and the fresh code comes back with our state).

Uninstall: Pipedrive sends ``DELETE`` with JSON ``{client_id, company_id, user_id, timestamp}`` to
the app's callback URL, authenticated with HTTP Basic ``client_id:client_secret``
(https://pipedrive.readme.io/docs/app-uninstallation). App webhooks are removed by Pipedrive on
uninstall (webhooks-for-apps).
"""
from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Callable

from app.crm.api import CRMApi, InstallToken
from app.crm.oauth.client import OAuthClient
from app.crm.oauth.flow import Installation
from app.crm.oauth.states import InstallError
from app.crm.oauth.tokens import TokenSet
from app.crm.pipedrive.webhooks import basic_credentials
from app.errors import UpstreamError
from app.tenants.model import Tenant
from app.tenants.store import TenantStore

log = logging.getLogger("erp_panel.pipedrive")

WEBHOOK_NAME = "erp-panel deal updates"


class PipedriveInstall:
    """users/me and the deal webhook (the VendorInstall of app.crm.oauth.flow)."""

    def __init__(self, *, tenants: TenantStore, api_for: Callable[[Tenant], CRMApi],
                 install_api: Callable[[InstallToken, str], CRMApi], webhook_url: Callable[[str], str]):
        self.tenants = tenants
        self.api_for = api_for              # tenant -> CRMApi with the tenant's stored tokens
        self.install_api = install_api      # (token source, key) -> CRMApi before the tenant exists
        self.webhook_url = webhook_url      # tenant_id -> public webhook URL

    def identify(self, tokens: TokenSet) -> Installation:
        if not tokens.api_domain:
            raise InstallError("Pipedrive did not say which company this is (no api_domain).", "no_api_domain")
        try:
            me = self.install_api(InstallToken(tokens, "Pipedrive"), "install:" + secrets.token_hex(4)).get(
                "/v1/users/me").get("data") or {}
        except UpstreamError:
            raise InstallError("Could not read your Pipedrive user and company.", "users_me_failed") from None
        installation_id, user_id = str(me.get("company_id") or ""), str(me.get("id") or "")
        if not installation_id.isdigit() or not user_id:
            raise InstallError("Pipedrive did not say which company this is.", "users_me_failed")
        return Installation(installation_id=installation_id, name=str(me.get("company_name") or ""), user_id=user_id,
                            is_admin=me.get("is_admin") not in (False, 0, "0", "false"))

    def after_install(self, tenant: Tenant, tokens: TokenSet, installation: Installation) -> None:
        """Create the deal-change webhook (v2) for this tenant; drop the one from an earlier install."""
        stored = self.tenants.get_crm_credentials(tenant.id)
        old_webhook_id = stored.extra.get("webhook_id") if stored else None
        webhook = {"webhook_user": "erp-panel-" + secrets.token_hex(8), "webhook_password": secrets.token_urlsafe(32)}
        self._save_extra(tenant, webhook)
        api = self.api_for(tenant)
        if old_webhook_id:
            try:
                api.delete(f"/api/v1/webhooks/{int(old_webhook_id)}")
            except (UpstreamError, ValueError):
                log.info("old Pipedrive webhook of tenant %s was already gone", tenant.id)
        body: dict[str, object] = {
            "subscription_url": self.webhook_url(tenant.id), "event_action": "change", "event_object": "deal",
            "version": "2.0", "name": WEBHOOK_NAME, "http_auth_user": webhook["webhook_user"],
            "http_auth_password": webhook["webhook_password"]}
        if installation.user_id.isdigit():
            body["user_id"] = int(installation.user_id)
        try:
            data = api.post("/api/v1/webhooks", body).get("data") or {}
        except UpstreamError as exc:
            raise InstallError("erp-panel is connected, but Pipedrive refused the deal webhook (the app needs the "
                               "'admin' scope). Won deals will not reach the ERP until the install is repeated.",
                               "webhook_failed") from exc
        self._save_extra(tenant, {**webhook, "webhook_id": str(data.get("id") or "")})

    def _save_extra(self, tenant: Tenant, extra: dict[str, str]) -> None:
        creds = self.tenants.get_crm_credentials(tenant.id)
        if creds is None:
            raise RuntimeError("the OAuth flow stores the tokens before after_install runs")
        self.tenants.save_crm_credentials(tenant.id, access_token=creds.access_token,
                                          refresh_token=creds.refresh_token, expires_at=creds.expires_at,
                                          api_domain=creds.api_domain, scopes=creds.scopes, extra=extra)


def uninstall_notice_verified(client: OAuthClient, authorization: str) -> bool:
    """Pipedrive's uninstall call carries Basic base64(client_id:client_secret)."""
    user, password = basic_credentials(authorization)
    # compare both parts every time (constant time, no early exit on the user name)
    user_ok = hmac.compare_digest(user.encode(), client.client_id.encode())
    password_ok = hmac.compare_digest(password.encode(), client.client_secret.encode())
    return client.configured and user_ok and password_ok
