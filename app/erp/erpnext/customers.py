"""ERPNext customer search and look-up for account linking.

``GET /api/resource/Customer`` with ``or_filters`` (any condition) and ``filters`` (all conditions),
as frappe.client.get_list takes them (https://docs.frappe.io/framework/user/en/api/rest). ``like`` is
case-insensitive and, with MariaDB's default utf8mb4 collation, accent-insensitive too. Fields are the
Customer DocType's (https://github.com/frappe/erpnext/blob/develop/erpnext/selling/doctype/customer/customer.json):
``email_id`` / ``mobile_no`` come from the primary contact, ``primary_address`` from the primary address.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.domain.customer import CustomerQuery, ERPCustomer
from app.erp.base import batches
from app.erp.erpnext import mapping
from app.erp.erpnext.client import FrappeClient

FIELDS = ["name", "customer_name", "disabled", "tax_id", "email_id", "mobile_no", "default_currency",
          "primary_address", "website"]


def search(client: FrappeClient, query: CustomerQuery) -> list[ERPCustomer]:
    """Enabled customers matching any name word, the tax id, the e-mail domain or the phone number."""
    conditions: list[list[str]] = [["customer_name", "like", f"%{word}%"] for word in query.name_words()]
    if query.tax_pattern():
        conditions.append(["tax_id", "like", query.tax_pattern()])
    if query.domain():
        conditions.append(["email_id", "like", f"%@{query.domain()}"])
        conditions.append(["website", "like", f"%{query.domain()}%"])
    if query.phone_pattern():
        conditions.append(["mobile_no", "like", query.phone_pattern()])
    if not conditions:
        return []
    rows = client.get_list("Customer", fields=FIELDS, filters=[["disabled", "=", 0]], or_filters=conditions,
                           order_by="customer_name asc", limit=query.limit)
    return [customer_from(row) for row in rows]


def get_many(client: FrappeClient, customer_ids: Sequence[str]) -> dict[str, ERPCustomer]:
    """The customers (disabled ones too) among these ids, one list request per batch."""
    found: dict[str, ERPCustomer] = {}
    for chunk in batches(customer_ids):
        rows = client.get_list("Customer", fields=FIELDS, filters=[["name", "in", chunk]], limit=len(chunk))
        found.update((c.customer_id, c) for c in map(customer_from, rows))
    return found


def customer_from(row: dict[str, Any]) -> ERPCustomer:
    """A Customer row or document -> ERPCustomer (name and disabled are required, the rest optional)."""
    doc = mapping.record(row, "Customer")
    return ERPCustomer(doc.text("name"), doc.text("customer_name"), disabled=bool(doc.value("disabled")),
                       tax_id=str(row.get("tax_id") or ""), email=str(row.get("email_id") or ""),
                       phone=str(row.get("mobile_no") or ""),
                       address=" ".join(str(row.get("primary_address") or "").replace("<br>", " ").split()),
                       currency=str(row.get("default_currency") or ""), website=str(row.get("website") or ""))
