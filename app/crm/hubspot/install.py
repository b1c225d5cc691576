"""HubSpot's part of an install: which account installed the app, and the deal properties it needs.

The hub (portal) id and the installing user come in the token response (since Aug 18, 2025), else
from the token metadata endpoint. After install, the ERP order properties are created on deals
("already exists" counts as done) and the settings remember which properties erp-panel writes.
"""
from __future__ import annotations

from collections.abc import Callable

from app.crm.hubspot.connector import HubSpotConnector
from app.crm.hubspot.mapping import ORDER_FIELD_KEYS
from app.crm.hubspot.oauth import token_metadata
from app.crm.oauth.client import OAuthClient
from app.crm.oauth.flow import Installation
from app.crm.oauth.states import InstallError
from app.crm.oauth.tokens import TokenSet
from app.errors import UpstreamError
from app.tenants.model import Tenant
from app.tenants.store import TenantStore

#: the tenant-settings key naming the company property that holds the ERP customer id
COMPANY_ERP_FIELD = "company_erp_customer_id"


class HubSpotInstall:
    """The VendorInstall of app.crm.oauth.flow for HubSpot."""

    def __init__(self, *, client: OAuthClient, tenants: TenantStore,
                 connector_for: Callable[[Tenant], HubSpotConnector], erp_property: str):
        self.client = client
        self.tenants = tenants
        self.connector_for = connector_for
        self.erp_property = erp_property

    def identify(self, tokens: TokenSet) -> Installation:
        extra = tokens.extra
        hub_id = extra.get("hub_id") or extra.get("hubId") or ""
        user_id = extra.get("user_id") or extra.get("userId") or ""
        hub_domain = extra.get("hub_domain") or extra.get("hubDomain") or ""
        if not (hub_id and user_id):
            try:
                meta = token_metadata(self.client, tokens.access_token)
            except UpstreamError as exc:
                raise InstallError(f"HubSpot did not say which account installed the app ({exc.reason}); "
                                   "try again.", "token_exchange_failed") from None
            hub_id = hub_id or str(meta.get("hub_id") or "")
            user_id = user_id or str(meta.get("user_id") or "")
            hub_domain = hub_domain or str(meta.get("hub_domain") or "")
        if not hub_id:
            raise InstallError("HubSpot did not say which account installed the app; try again.", "hub_id_missing")
        user = user_id or "hubspot-installer"
        return Installation(installation_id=hub_id, name=hub_domain, user_id=user,
                            extra={"hub_domain": hub_domain, "installed_by": user_id})

    def after_install(self, tenant: Tenant, tokens: TokenSet, installation: Installation) -> None:
        """Remember which properties erp-panel writes and reads, then create the deal properties."""
        settings = tenant.settings
        defaults = {**ORDER_FIELD_KEYS, COMPANY_ERP_FIELD: self.erp_property}
        missing = {k: v for k, v in defaults.items() if k not in settings.crm_fields}
        if missing:
            settings.crm_fields.update(missing)
            self.tenants.save_settings(tenant.id, settings)
        try:
            self.connector_for(tenant).ensure_order_properties()
        except UpstreamError as exc:
            raise InstallError("Connected, but the ERP order fields could not be created on deals "
                               f"({exc.reason}); run the installation again.", "property_setup_failed") from None
