"""Business Central customer search and look-up for account linking.

``GET …/companies(<id>)/customers`` with ``$filter`` (customer entity:
https://learn.microsoft.com/dynamics365/business-central/dev-itpro/api-reference/v2.0/resources/dynamics_customer;
``contains``/``endswith`` in filters:
https://learn.microsoft.com/dynamics365/business-central/dev-itpro/webservices/use-filter-expressions-in-odata-uris).
Whether ``contains`` folds case is not documented, so each name word is sent in the spellings
``CustomerQuery.name_words`` gives. Without wildcards inside an OData string, the tax id is matched on its
last three characters and the phone number on its last two digits (the groups ERPs keep together); the
linking service compares the rest. ``blocked`` is filtered
here, not in ``$filter`` (a filter on it was seen refused with 400).
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from app.domain.customer import CustomerQuery, ERPCustomer
from app.erp.base import batches
from app.erp.businesscentral.client import any_of, literal
from app.erp.businesscentral.mapping import VENDOR, blocked_value
from app.erp.fields import require

if TYPE_CHECKING:   # the connector imports this module
    from app.erp.businesscentral.connector import BusinessCentralConnector

FIELDS = ("number,displayName,blocked,taxRegistrationNumber,email,phoneNumber,addressLine1,city,postalCode,"
          "country,currencyCode,website")


def search_filter(query: CustomerQuery) -> str:
    """The ``$filter`` of a search ("" when the query names nothing the ERP can match)."""
    terms = [f"contains(displayName,{literal(word)})" for word in query.name_words()]
    if len(query.tax()) >= 3:
        terms.append(f"contains(taxRegistrationNumber,{literal(query.tax()[-3:])})")
    if query.domain():
        terms.append(f"endswith(email,{literal('@' + query.domain())})")
    if query.phone_probe():
        terms.append(f"endswith(phoneNumber,{literal(query.phone_probe()[-2:])})")
    return " or ".join(terms)


def search(bc: BusinessCentralConnector, query: CustomerQuery) -> list[ERPCustomer]:
    where = search_filter(query)
    if not where:
        return []
    rows = bc.client.collection(bc.client.path("customers"), filter=where, select=FIELDS, orderby="displayName",
                                limit=query.limit)
    return [c for c in (customer_from(row) for row in rows) if not c.disabled]


def get_many(bc: BusinessCentralConnector, customer_ids: Sequence[str]) -> dict[str, ERPCustomer]:
    """The customers (blocked ones too) with these numbers, one request per batch."""
    found: dict[str, ERPCustomer] = {}
    for chunk in batches(customer_ids):
        rows = bc.client.collection(bc.client.path("customers"), filter=any_of("number", chunk), select=FIELDS,
                                    limit=len(chunk))
        found.update((c.customer_id, c) for c in map(customer_from, rows))
    return found


def customer_from(row: dict[str, Any]) -> ERPCustomer:
    """A customers entity -> ERPCustomer; blocked "All" is a disabled customer."""
    number = str(require(row, "number", vendor=VENDOR, record="customer"))
    blocked = blocked_value(require(row, "blocked", vendor=VENDOR, record="customer"))

    def text(field: str) -> str:
        return str(row.get(field) or "")
    return ERPCustomer(number, text("displayName") or number, disabled=blocked == "All",
                       tax_id=text("taxRegistrationNumber"), email=text("email"), phone=text("phoneNumber"),
                       address=text("addressLine1"), city=text("city"), postal_code=text("postalCode"),
                       country=text("country"), currency=text("currencyCode"), website=text("website"))
