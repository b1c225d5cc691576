"""Salesforce's part of an install: which org and user, whether the user is an admin, the outbound secret.

The org and user come from the identity URL (``id``) of the token answer, checked against the
answer's ``signature`` (HMAC-SHA256 of ``id + issued_at`` with the consumer secret,
https://help.salesforce.com/s/articleView?id=xcloud.remoteaccess_oauth_web_server_flow.htm); the
org's name, default currency and sandbox flag from the ``Organization`` object; admin = the user's
profile has "Customize Application". After install, the tenant gets a random per-installation
secret for its Outbound Message endpoint URL (kept across reinstalls, stored encrypted with the
tokens). The ERP order fields are metadata the admin deploys (widgets/salesforce/): the REST API
cannot create custom fields (that takes the Metadata API), so the install does not try.
"""
from __future__ import annotations

import secrets
from collections.abc import Callable

from app.crm.api import CRMApi, InstallToken
from app.crm.oauth.flow import Installation
from app.crm.oauth.states import InstallError
from app.crm.oauth.tokens import TokenSet
from app.crm.salesforce.connector import SalesforceConnector
from app.crm.salesforce.oauth import identity, identity_signature_ok
from app.errors import UpstreamError
from app.tenants.model import Tenant
from app.tenants.store import TenantStore

#: credential extras: the outbound message secret, the org's default currency, the installing user
OUTBOUND_SECRET = "outbound_secret"  # noqa: S105 - the key the secret is stored under, not a secret
ORG_CURRENCY = "org_currency"


class SalesforceInstall:
    """The VendorInstall of app.crm.oauth.flow for Salesforce."""

    def __init__(self, *, tenants: TenantStore, client_secret: str, install_api: Callable[[InstallToken, str], CRMApi]):
        self.tenants = tenants
        self.client_secret = client_secret
        self.install_api = install_api      # (token source, key) -> CRMApi before the tenant exists

    def identify(self, tokens: TokenSet) -> Installation:
        extra = tokens.extra
        identity_url = extra.get("id", "")
        org_id, user_id = identity(identity_url)
        if not (org_id and tokens.api_domain):
            raise InstallError("Salesforce did not say which org this is; start the installation again.",
                               "org_id_missing")
        if extra.get("signature") and not identity_signature_ok(identity_url, extra.get("issued_at", ""),
                                                                extra["signature"], self.client_secret):
            raise InstallError("Salesforce's answer did not verify; start the installation again.",
                               "identity_unverified")
        connector = SalesforceConnector(self.install_api(InstallToken(tokens, "Salesforce"), org_id))
        try:
            org = connector.organization()
            is_admin = connector.can_customize(user_id)
        except UpstreamError as exc:
            raise InstallError(f"Could not read your Salesforce org and user ({exc.reason}); the connected app "
                               "needs the 'api' scope.", "org_read_failed") from None
        currency = str(org.get("DefaultCurrencyIsoCode") or "")
        return Installation(installation_id=org_id, name=str(org.get("Name") or ""), user_id=user_id,
                            is_admin=is_admin, extra={ORG_CURRENCY: currency, "installed_by": user_id,
                                                      "sandbox": "1" if org.get("IsSandbox") else "0",
                                                      OUTBOUND_SECRET: self._outbound_secret(org_id)})

    def _outbound_secret(self, org_id: str) -> str:
        """The secret an earlier, still active install of this org gave its endpoint URL, else a new one."""
        tenant = self.tenants.find("salesforce", org_id)
        creds = self.tenants.get_crm_credentials(tenant.id) if tenant is not None and tenant.active else None
        return (creds.extra.get(OUTBOUND_SECRET) if creds else None) or secrets.token_urlsafe(32)

    def after_install(self, tenant: Tenant, tokens: TokenSet, installation: Installation) -> None:
        """Nothing to set up in the org: the order fields, Flow and outbound message are deployed metadata."""
