"""Customer prices for Odoo 16+ evaluated in the connector from pricelist rules.

Why: since Odoo 16 the price helpers (``product.pricelist._get_product_price``,
``_compute_price_rule``) are private and refused over RPC/JSON-2 ("Private methods ...
cannot be called remotely", odoo/service/model.py); no public read-only price endpoint
exists. So the connector reads the pricelist's ``product.pricelist.item`` rows and evaluates them like
``product.pricelist.item._compute_price`` does, without installing anything in Odoo.
Docs: https://www.odoo.com/documentation/19.0/applications/sales/sales/products_prices/prices/pricing.html
and https://www.odoo.com/documentation/19.0/developer/reference/external_api.html

Supported: rules on a variant, a template, a category (incl. parent categories) or global;
``min_quantity``; ``date_start``/``date_end``; ``compute_price`` fixed, percentage, and
formula on the sales price (``base == "list_price"``: discount, surcharge, rounding,
min/max margin). Percentage/formula rules based on cost or on another pricelist are skipped
(documented limitation; Odoo 18 lets percentage rules choose a base too), and an item without a matching rule gets its list price converted to the
pricelist currency - the same fallback Odoo uses.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from app.domain.money import ZERO, quantize
from app.erp.fields import VendorRecord
from app.erp.odoo.mapping import m2o_id, record

RULE_FIELDS = ["id", "applied_on", "product_tmpl_id", "product_id", "categ_id", "min_quantity", "date_start",
               "date_end", "compute_price", "base", "fixed_price", "percent_price", "price_discount",
               "price_surcharge", "price_round", "price_min_margin", "price_max_margin"]
_SCOPE_ORDER = {"0_product_variant": 0, "1_product": 1, "2_product_category": 2, "3_global": 3}


@dataclass(frozen=True)
class ProductForPricing:
    id: int
    template_id: int | None
    category_ids: tuple[int, ...]       # the product's category and all its parents
    list_price: Decimal                 # in the pricelist currency, already converted and rounded


def _rule(row: dict[str, Any]) -> VendorRecord:
    """A product.pricelist.item row read with RULE_FIELDS: every one of them must be there."""
    return record(row, "product.pricelist.item")


def _in_dates(rule: VendorRecord, today: date) -> bool:
    start, end = rule.date("date_start"), rule.date("date_end")
    if start and start > today:
        return False
    return not (end and end < today)


def _applies(rule: VendorRecord, product: ProductForPricing, qty: Decimal, today: date) -> bool:
    if rule.amount("min_quantity") > qty or not _in_dates(rule, today):
        return False
    scope = rule.value("applied_on")
    if scope == "0_product_variant":
        return m2o_id(rule.value("product_id")) == product.id
    if scope == "1_product":
        return m2o_id(rule.value("product_tmpl_id")) == product.template_id
    if scope == "2_product_category":
        return m2o_id(rule.value("categ_id")) in product.category_ids
    return True


def pick_rule(rules: list[dict[str, Any]], product: ProductForPricing, qty: Decimal,
              today: date) -> dict[str, Any] | None:
    """The first applicable rule in Odoo's order: most specific scope, then highest min_quantity."""
    ordered = sorted(rules, key=lambda r: (_SCOPE_ORDER.get(_rule(r).value("applied_on"), 3),
                                           -_rule(r).amount("min_quantity"), -int(_rule(r).value("id"))))
    for row in ordered:
        rule = _rule(row)
        if rule.value("compute_price") != "fixed" and (rule.value("base") or "list_price") != "list_price":
            continue      # cost- or pricelist-based rules are not evaluated (see module docstring)
        if _applies(rule, product, qty, today):
            return row
    return None


def rule_price(row: dict[str, Any] | None, base: Decimal, places: int) -> Decimal:
    """Unit price for ``base`` (list price in pricelist currency) under one rule."""
    if row is None:
        return base
    rule = _rule(row)
    kind = rule.value("compute_price")
    if kind == "fixed":
        return quantize(rule.amount("fixed_price"), places)
    if kind == "percentage":
        return quantize(base * (100 - rule.amount("percent_price")) / 100, places)
    price = base * (100 - rule.amount("price_discount")) / 100
    rounding = rule.amount("price_round")
    if rounding > 0:
        price = (price / rounding).quantize(Decimal(1), rounding=ROUND_HALF_UP) * rounding
    price += rule.amount("price_surcharge")
    min_margin, max_margin = rule.amount("price_min_margin"), rule.amount("price_max_margin")
    if min_margin:
        price = max(price, base + min_margin)
    if max_margin:
        price = min(price, base + max_margin)
    return quantize(max(price, ZERO), places)


def convert(amount: Decimal, from_rate: Decimal, to_rate: Decimal, places: int) -> Decimal:
    """Convert with res.currency ``rate`` values (units per company-currency unit), then round."""
    if not from_rate or from_rate == to_rate:
        return quantize(amount, places)
    return quantize(amount * to_rate / from_rate, places)
