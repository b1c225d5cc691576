"""Links made in the CRM: the ERP customer id an admin typed into the CRM account's "ERP customer id" field
becomes the account link (read when a panel or card opens, at most every few minutes per account, and from
account-changed webhooks where the CRM sends them). A cleared field leaves an existing link alone: an admin
may have linked the account on the settings page. Whether the ERP knows the id shows in the link health on
the settings page.
"""
from __future__ import annotations

import logging
from collections.abc import Callable

from app.cache.backend import CacheBackend
from app.domain.deal import Account
from app.errors import UpstreamError
from app.tenants.model import Tenant
from app.tenants.store import TenantStore

log = logging.getLogger("erp_panel.crm")

#: seconds between reads of one account's field when its panel opens
SYNC_INTERVAL = 300
#: longest ERP customer id a link holds (the column's length)
MAX_CUSTOMER_ID = 140


class AccountLinkPickup:
    """Adopts the ERP customer id a CRM account's field holds as that account's link."""

    def __init__(self, tenants: TenantStore, cache: CacheBackend, source: str, interval: int = SYNC_INTERVAL):
        self.tenants = tenants
        self.cache = cache
        self.source = source
        self.interval = interval

    def adopt(self, tenant: Tenant, crm_account_id: str, erp_customer_id: str | None) -> bool:
        """Link the account to the id from its CRM field when set and different; True when the link changed."""
        customer = (erp_customer_id or "").strip()[:MAX_CUSTOMER_ID]
        if not customer or "\x00" in customer or customer == self.tenants.erp_customer_for(tenant.id, crm_account_id):
            return False
        self.tenants.link_account(tenant.id, crm_account_id, customer, source=self.source)
        log.info("%s account %s of tenant %s linked to ERP customer %s from its CRM field", self.source,
                 crm_account_id, tenant.id, customer)
        return True

    def sync(self, tenant: Tenant, crm_account_id: str, read: Callable[[], Account]) -> None:
        """Read the account's field (``read``) unless it was read within ``interval``, and adopt it; a CRM
        that does not answer is logged and skipped (the panel still opens)."""
        if not self.cache.add(f"{tenant.id}:{self.source}:link-pickup:{crm_account_id}", "1",
                              keep_seconds=self.interval):
            return
        try:
            account = read()
        except UpstreamError as exc:
            log.info("could not read %s account %s of tenant %s for its ERP link (%s)", self.source, crm_account_id,
                     tenant.id, exc.reason)
            return
        self.adopt(tenant, crm_account_id, account.erp_customer_id)
