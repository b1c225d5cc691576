"""Odoo customer search and look-up for account linking.

``res.partner`` ``search_read`` (https://www.odoo.com/documentation/19.0/developer/reference/backend/orm.html
#odoo.models.Model.search_read) limited to customers with ``customer_rank > 0`` (the rank Odoo raises on
each sale or invoice to a partner, account module) and to companies and individuals alike. The domain
is in Odoo's prefix notation: ``'|'`` joins the next two leaves. ``ilike`` matches a word anywhere, case-
insensitively (accent-insensitively too where the database has the ``unaccent`` option on); ``=ilike``
takes the value as a pattern, so the tax id and phone match whatever the spacing.
The link id of a partner is its ``ref`` (Internal Reference), else its numeric id - as the connector reads it.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from app.domain.customer import CustomerQuery, ERPCustomer
from app.erp.base import batches
from app.erp.odoo import mapping

if TYPE_CHECKING:   # the connector imports this module
    from app.erp.odoo.connector import OdooConnector

FIELDS = ["id", "ref", "name", "active", "vat", "email", "phone", "street", "city", "zip", "country_id",
          "website"]


def any_of(leaves: list[tuple[str, str, Any]]) -> list[Any]:
    """An Odoo domain where any of ``leaves`` holds (prefix ``'|'`` operators)."""
    return ["|"] * (len(leaves) - 1) + list(leaves)


def search(odoo: OdooConnector, query: CustomerQuery) -> list[ERPCustomer]:
    """Active customers (``customer_rank > 0``) matching any name word, the tax id, the e-mail domain or
    the phone number."""
    leaves: list[tuple[str, str, Any]] = [("name", "ilike", word) for word in query.name_words()]
    if query.tax_pattern():
        leaves.append(("vat", "=ilike", query.tax_pattern()))
    if query.domain():
        leaves.append(("email", "=ilike", f"%@{query.domain()}"))
        leaves.append(("website", "ilike", query.domain()))
    if query.phone_pattern():
        leaves.append(("phone", "=ilike", query.phone_pattern()))
    if not leaves:
        return []
    domain = [("customer_rank", ">", 0), *any_of(leaves)]
    rows = odoo.search_read("res.partner", domain, FIELDS, order="name asc", limit=query.limit)
    return [customer_from(row) for row in rows]


def get_many(odoo: OdooConnector, customer_ids: Sequence[str]) -> dict[str, ERPCustomer]:
    """The partners (archived ones too) among these ids - ``ref`` values or numeric ids - per batch of ids."""
    found: dict[str, ERPCustomer] = {}
    for chunk in batches(customer_ids):
        numbers = [int(i) for i in chunk if i.isdigit()]
        refs = [i for i in chunk if not i.isdigit()]
        leaves = ([("ref", "in", refs)] if refs else []) + ([("id", "in", numbers)] if numbers else [])
        rows = odoo.search_read("res.partner", any_of(leaves), FIELDS, limit=2 * len(chunk),
                                context={"active_test": False})
        for row in rows:
            customer = customer_from(row)
            for key in (str(row.get("id")), str(row.get("ref") or "")):
                if key in chunk:
                    found[key] = customer if key == customer.customer_id else replace(customer, customer_id=key)
    return found


def customer_from(row: dict[str, Any]) -> ERPCustomer:
    """A res.partner row -> ERPCustomer (Odoo sends False for empty fields)."""
    partner = mapping.record(row, "res.partner")

    def text(field: str) -> str:
        value = row.get(field)
        return str(value) if value not in (None, False) else ""
    ref = text("ref")
    return ERPCustomer(ref or str(partner.value("id")), partner.text("name"), disabled=not partner.value("active"),
                       tax_id=text("vat"), email=text("email"), phone=text("phone"), address=text("street"),
                       city=text("city"), postal_code=text("zip"), country=mapping.m2o_name(row.get("country_id")),
                       website=text("website"))
