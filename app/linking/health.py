"""Link health: is each CRM account's ERP customer still there, still enabled, and linked only once?

Computed from one batched ERP read of every linked customer (``ERPConnector.get_customers``), so the
settings page shows each link's customer name beside its id and flags what will break an order before
an order breaks.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from enum import StrEnum

from app.domain.customer import ERPCustomer


class LinkState(StrEnum):
    """What the ERP says about a link's customer."""

    OK = "ok"
    DISABLED = "disabled"       # the ERP refuses orders for it
    GONE = "gone"               # the ERP no longer knows the id
    UNCHECKED = "unchecked"     # the ERP did not answer


#: the state as the settings page says it
STATE_LABELS = {LinkState.OK: "OK", LinkState.DISABLED: "Customer disabled", LinkState.GONE: "Customer gone",
                LinkState.UNCHECKED: "Not checked"}


@dataclass(frozen=True)
class LinkHealth:
    """One account link and its health."""

    crm_account_id: str
    erp_customer_id: str
    state: LinkState
    customer_name: str = ""
    #: the other CRM accounts linked to the same ERP customer (allowed, but shown)
    shared_with: tuple[str, ...] = ()

    @property
    def duplicate(self) -> bool:
        return bool(self.shared_with)

    @property
    def label(self) -> str:
        return STATE_LABELS[self.state] + (" · duplicate" if self.duplicate else "")

    @property
    def sentence(self) -> str:
        """What the admin should know or do about this link, in one or two sentences ("" when fine)."""
        parts = []
        if self.state is LinkState.GONE:
            parts.append(f"The ERP no longer knows customer {self.erp_customer_id}; orders for this account will "
                         "fail. Search for the customer and link the account again.")
        elif self.state is LinkState.DISABLED:
            parts.append(f"{self.customer_name} ({self.erp_customer_id}) is disabled in the ERP; orders for this "
                         "account will be refused until it is enabled there or the account is linked to another "
                         "customer.")
        elif self.state is LinkState.UNCHECKED:
            parts.append("The ERP did not answer, so this link was not checked.")
        if self.shared_with:
            parts.append(f"CRM account{'s' if len(self.shared_with) > 1 else ''} {', '.join(self.shared_with)} "
                         "also link to this customer.")
        return " ".join(parts)


def health_of(links: dict[str, str], found: dict[str, ERPCustomer] | None) -> list[LinkHealth]:
    """Every link's health, by CRM account id; ``found`` is None when the ERP could not be asked."""
    accounts_of: dict[str, list[str]] = defaultdict(list)
    for account, customer_id in links.items():
        accounts_of[customer_id].append(account)
    result = []
    for account, customer_id in sorted(links.items()):
        shared = tuple(sorted(a for a in accounts_of[customer_id] if a != account))
        if found is None:
            result.append(LinkHealth(account, customer_id, LinkState.UNCHECKED, shared_with=shared))
            continue
        customer = found.get(customer_id)
        if customer is None:
            state, name = LinkState.GONE, ""
        else:
            state, name = (LinkState.DISABLED if customer.disabled else LinkState.OK), customer.name
        result.append(LinkHealth(account, customer_id, state, name, shared))
    return result
