"""CRM-side objects the order flow reads: accounts and won deals with line items."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class Account:
    """A CRM company/organization, possibly linked to an ERP customer."""

    crm_account_id: str
    name: str
    #: the value of the CRM's "ERP customer id" field on the account (None: empty or no such field)
    erp_customer_id: str | None = None
    #: what the CRM holds to recognise the company in the ERP (empty where the CRM has no such field)
    domain: str = ""
    address: str = ""
    city: str = ""
    country: str = ""


@dataclass(frozen=True)
class DealLine:
    """One product line on a deal (CRM line item / deal product)."""

    sku: str
    name: str
    quantity: Decimal
    unit_price: Decimal
    currency: str = ""
    discount_percent: Decimal = Decimal("0")


@dataclass(frozen=True)
class Deal:
    """A CRM deal as read back from the CRM API at processing time."""

    crm_deal_id: str
    title: str
    status: str
    currency: str
    value: Decimal
    account: Account | None
    lines: tuple[DealLine, ...] = field(default_factory=tuple)
    is_won: bool = False
    custom_fields: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class WonDeal:
    """A won deal as the CRM's search lists it (reconciliation): enough to find its order and compare."""

    crm_deal_id: str
    title: str
    value: Decimal | None
    currency: str
