"""The linking service: what the settings page, the admin API and the panel ask about ERP customers.

It talks to the tenant's ERP only through the connector interface; a failing ERP becomes one plain
sentence (``LinkingUnavailable``), never a vendor message with a stack behind it.
"""
from __future__ import annotations

from app.domain.customer import CustomerQuery, ERPCustomer
from app.erp.base import ERPConnector
from app.erp.registry import ERPRegistry
from app.errors import ServiceUnavailable, UpstreamError, UpstreamMisconfigured
from app.linking.search import CustomerMatch, search
from app.tenants.store import TenantStore


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
    """Customer search and look-up for one tenant at a time."""

    def __init__(self, tenants: TenantStore, erp: ERPRegistry):
        self.tenants = tenants
        self.erp = erp

    def connector(self, tenant_id: str) -> ERPConnector:
        """The tenant's ERP connector (built once and cached by the registry)."""
        return self.erp.connector_from(tenant_id, self.tenants.get_erp_connection(tenant_id))[0]

    def search(self, tenant_id: str, query: CustomerQuery) -> list[CustomerMatch]:
        """ERP customers matching the query, best first; LinkingUnavailable when the ERP cannot answer."""
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
