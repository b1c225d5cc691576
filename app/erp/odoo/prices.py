"""Reads what pricing.py needs from Odoo and turns it into PriceQuote objects.

Calls: the pricelist (config ``pricelist_id`` or the partner's ``property_product_pricelist``),
its ``product.pricelist.item`` rules, the product categories' ``parent_path`` and the
``res.currency`` rates of the company and pricelist currencies. All reads, all retried.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from app.domain.pricing import PriceQuote
from app.erp.odoo import pricing
from app.erp.odoo.mapping import m2o_id, record
from app.errors import MissingVendorField


class OdooPricer:
    def __init__(self, connector):
        self.connector = connector

    def _currencies(self, ids: set[int]) -> dict[int | None, dict[str, Any]]:
        """id -> currency row (keyed ``int | None`` so a missing many2one simply finds nothing)."""
        rows = self.connector.search_read("res.currency", [("id", "in", sorted(ids))],
                                          ["id", "name", "rate", "decimal_places"],
                                          context={"active_test": False})
        return {row["id"]: row for row in rows}

    def _categories(self, products: list[dict[str, Any]]) -> dict[int, tuple[int, ...]]:
        """category id -> itself and its parents, from ``parent_path`` ("1/5/9/")."""
        ids = sorted({cid for p in products if (cid := m2o_id(p.get("categ_id")))})
        if not ids:
            return {}
        rows = self.connector.search_read("product.category", [("id", "in", ids)], ["id", "parent_path"])
        return {row["id"]: tuple(int(x) for x in str(row.get("parent_path") or row["id"]).strip("/").split("/") if x)
                for row in rows}

    def quotes(self, partner: dict[str, Any], products: list[dict[str, Any]]) -> list[PriceQuote]:
        if not products:
            return []
        pricelist_id = self.connector.pricelist_id or m2o_id(partner.get("property_product_pricelist"))
        pricelist, rules = None, []
        if pricelist_id:
            found = self.connector.search_read("product.pricelist", [("id", "=", pricelist_id)],
                                               ["id", "name", "currency_id"])
            pricelist = found[0] if found else None
        if pricelist:
            rules = self.connector.search_read("product.pricelist.item", [("pricelist_id", "=", pricelist["id"])],
                                               pricing.RULE_FIELDS)
        company_currency = m2o_id(products[0].get("currency_id"))
        target_currency = m2o_id(pricelist.get("currency_id")) if pricelist else company_currency
        currencies = self._currencies({c for c in (company_currency, target_currency) if c})
        source_rate, target_rate = _rate(currencies.get(company_currency)), _rate(currencies.get(target_currency))
        target = record(currencies.get(target_currency), "res.currency")
        places = int(target.value("decimal_places") or 0) if target_currency in currencies else 2
        categories = self._categories(products)
        today = self.connector.clock.now().date()
        quotes = []
        for row in products:
            product = record(row, "product.product")
            base = pricing.convert(product.amount("lst_price"), source_rate, target_rate, places)
            item = pricing.ProductForPricing(row["id"], m2o_id(product.value("product_tmpl_id")),
                                             categories.get(m2o_id(product.value("categ_id")) or 0, ()), base)
            rule = pricing.pick_rule(rules, item, Decimal(1), today)
            quotes.append(PriceQuote(item_code=product.text("default_code") or str(row["id"]),
                                     item_name=str(product.optional("name") or ""),
                                     unit_price=pricing.rule_price(rule, base, places), list_price=base,
                                     currency=target.text("name") if target_currency in currencies else "",
                                     price_list=(pricelist or {}).get("name") or "List price"))
        return quotes


def _rate(currency: dict[str, Any] | None) -> Decimal:
    """A currency's ``rate``; 1 when no currency is involved (no pricelist currency to convert to).

    A currency row that is read must carry its rate: 0 or absent would turn every price into 0.
    """
    if currency is None:
        return Decimal(1)
    rate = record(currency, "res.currency").amount("rate")
    if rate <= 0:
        raise MissingVendorField("Odoo", "res.currency", "rate", unreadable=True)
    return rate
