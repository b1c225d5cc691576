"""The linking service: what the settings page, the admin API and the panel ask about ERP customers.

It talks to the tenant's ERP only through the connector interface; a failing ERP becomes one plain
sentence (``LinkingUnavailable``), never a vendor message with a stack behind it.
"""
from __future__ import annotations

from app.crm.registry import CRMRegistry
from app.domain.customer import CustomerQuery, ERPCustomer
from app.erp.base import ERPConnector
from app.erp.registry import ERPRegistry
from app.errors import ServiceUnavailable, UpstreamError, UpstreamMisconfigured
from app.linking.health import LinkHealth, health_of
from app.linking.search import CustomerMatch, search
from app.storage.limits import require_no_nul
from app.tenants.model import Tenant
from app.tenants.settings_rules import Issue, SettingsInvalid
from app.tenants.store import TenantStore

#: links checked per settings-page view (one ERP request per CUSTOMER_BATCH of them)
MAX_CHECKED_LINKS = 500


class LinkingUnavailable(ServiceUnavailable):
    """The ERP could not answer a linking question (search, look-up); the detail is a sentence."""

    reason = "erp_unavailable"


def unavailable(exc: UpstreamError, doing: str) -> LinkingUnavailable:
    """One sentence for an ERP failure while ``doing`` something (e.g. "search the ERP's customers")."""
    if isinstance(exc, UpstreamMisconfigured):
        return LinkingUnavailable(f"Could not {doing}: no ERP connection is set up yet; connect the ERP first.",
                                  reason=exc.reason)
    return LinkingUnavailable(f"Could not {doing}: {exc.message.rstrip('.')}. Try again in a moment.",
                              reason=exc.reason)


class LinkingService:
    """Customer search and look-up, link checks and link health, and the link's copy in the CRM."""

    def __init__(self, tenants: TenantStore, erp: ERPRegistry, crm: CRMRegistry):
        self.tenants = tenants
        self.erp = erp
        self.crm = crm

    def connector(self, tenant_id: str) -> ERPConnector:
        """The tenant's ERP connector (built once and cached by the registry)."""
        return self.erp.connector_from(tenant_id, self.tenants.get_erp_connection(tenant_id))[0]

    def search(self, tenant_id: str, query: CustomerQuery) -> list[CustomerMatch]:
        """ERP customers matching the query, best first; LinkingUnavailable when the ERP cannot answer."""
        require_no_nul(query.name, query.tax_id, query.email_domain, query.phone)
        try:
            return search(self.connector(tenant_id), query)
        except UpstreamError as exc:
            raise unavailable(exc, "search the ERP's customers") from None

    def customer(self, tenant_id: str, customer_id: str) -> ERPCustomer | None:
        """The ERP customer with this id (None when the ERP does not know it)."""
        try:
            return self.connector(tenant_id).get_customer(customer_id)
        except UpstreamError as exc:
            raise unavailable(exc, f"look up customer {customer_id} in the ERP") from None

    def check_link(self, tenant_id: str, customer_id: str) -> ERPCustomer:
        """The customer a link is about to name; SettingsInvalid (on ``erp_customer_id``) with a sentence
        when the ERP does not know it, it is disabled, or the ERP cannot be asked."""
        def refuse(reason: str, message: str) -> SettingsInvalid:
            return SettingsInvalid([Issue("erp_customer_id", reason, message)])
        require_no_nul(customer_id)
        try:
            customer = self.connector(tenant_id).get_customer(customer_id)
        except UpstreamMisconfigured:
            raise refuse("erp_not_configured", "Connect the ERP first: every link is checked against the ERP "
                                               "when it is saved.") from None
        except UpstreamError as exc:
            raise refuse("erp_unavailable", f"The ERP could not be asked whether customer {customer_id} exists "
                                            f"({exc.message.rstrip('.')}); the link was not saved. Try again in a "
                                            "moment.") from None
        if customer is None:
            raise refuse("unknown_customer", f"The ERP has no customer with the id '{customer_id}'. Check the id, "
                                             "or search for the customer and link one of the results.")
        if customer.disabled:
            raise refuse("customer_disabled", f"{customer.name} ({customer.customer_id}) is disabled in the ERP, so "
                                              "orders for it would be refused. Enable it in the ERP first, or "
                                              "link another customer.")
        return customer

    def health(self, tenant_id: str) -> tuple[list[LinkHealth], str]:
        """Every link's health and, when the ERP could not be asked, a sentence saying so (links then
        show "not checked")."""
        links = self.tenants.list_links(tenant_id)
        if not links:
            return [], ""
        wanted = sorted(set(links.values()))[:MAX_CHECKED_LINKS]
        try:
            found = self.connector(tenant_id).get_customers(wanted)
        except UpstreamError as exc:
            return health_of(links, None), unavailable(exc, "check the links against the ERP").detail
        return health_of(links, found), ""

    def write_to_crm(self, tenant: Tenant, crm_account_id: str, erp_customer_id: str) -> str:
        """Put the ERP customer id into the CRM account's field (so CRM reports can use it); "" when done, else
        a sentence saying why not (the link itself stays saved)."""
        integration = self.crm.find(tenant.crm)
        if integration is None:
            return ""
        try:
            integration.connector_for(tenant).write_erp_customer_id(crm_account_id, erp_customer_id)
        except UpstreamError as exc:
            return (f"The link is saved, but the ERP customer id could not be written to the {integration.label} "
                    f"account: {exc.message.rstrip('.')}.")
        return ""
