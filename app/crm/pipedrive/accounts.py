"""Which organization a panel shows, and keeping its ERP link in step with the custom field.

The panel in a deal (or person) view shows the deal's (person's) organization,
resolved through the API and remembered briefly. The organization's
"ERP customer ID" custom field (chosen on the Pipedrive fields page) is the
source of the account link: when a panel opens, the field is read (at most
every few minutes per organization) and the link updated if it changed. A
cleared field leaves an existing link alone (an admin may have linked it by hand).
"""
from __future__ import annotations

import logging
from collections.abc import Callable

from app.cache.backend import CacheBackend, CacheEntry
from app.clock import Clock
from app.crm.links import SYNC_INTERVAL, AccountLinkPickup
from app.crm.pipedrive import mapping
from app.crm.pipedrive.connector import PipedriveConnector
from app.errors import CRM, UpstreamNotFound
from app.tenants.model import Tenant
from app.tenants.store import TenantStore

log = logging.getLogger("erp_panel.pipedrive")

RESOLVE_TTL = 600
RESOURCES = ("organization", "deal", "person")


class PanelAccounts:
    """Resolves the organization a panel shows and keeps its ERP link in step with the custom field."""

    def __init__(self, tenants: TenantStore, cache: CacheBackend, clock: Clock,
                 connector_for: Callable[[Tenant], PipedriveConnector]):
        self.tenants = tenants
        self.cache = cache
        self.clock = clock
        self.connector_for = connector_for      # tenant -> PipedriveConnector
        self.pickup = AccountLinkPickup(tenants, cache, "pipedrive", SYNC_INTERVAL)

    def organization_for(self, tenant: Tenant, resource: str, selected_id: str) -> str | None:
        """The organization id to show for the record Pipedrive opened (None: the record has none)."""
        if resource not in RESOURCES:
            raise UpstreamNotFound(f"Panels are not offered for '{resource[:20]}' records", side=CRM)
        if not selected_id.isdigit():
            raise UpstreamNotFound("Pipedrive did not say which record is open", side=CRM)
        if resource == "organization":
            org_id: str | None = selected_id
        else:
            org_id = self._resolve(tenant, resource, selected_id)
        if org_id:
            self.sync_link(tenant, org_id)
        return org_id

    def _resolve(self, tenant: Tenant, resource: str, record_id: str) -> str | None:
        key = f"{tenant.id}:pipedrive:{resource}-org:{record_id}"
        hit = self.cache.get(key)
        if hit is not None:
            return hit.value or None
        connector = self.connector_for(tenant)
        if resource == "deal":
            org_id = connector.deal_organization(record_id)
        else:
            person = connector.client.get(f"/api/v2/persons/{record_id}").get("data") or {}
            org_id = mapping.plain_id(person.get("org_id"))
        self.cache.set(key, CacheEntry(value=org_id or "", fetched_at=self.clock.now(), source="pipedrive"),
                       keep_seconds=RESOLVE_TTL)
        return org_id

    def sync_link(self, tenant: Tenant, org_id: str) -> None:
        """Link the organization to the ERP customer named in its custom field (if set and changed)."""
        if not tenant.settings.crm_fields.get(mapping.FIELD_ERP_CUSTOMER):
            return
        self.pickup.sync(tenant, org_id, lambda: self.connector_for(tenant).get_account(org_id))
