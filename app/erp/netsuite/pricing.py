"""Customer prices from NetSuite's pricing tables, evaluated for quantity 1.

What is evaluated, most specific first (NetSuite's own order for a sales transaction):
1. customer item pricing (``customeritempricing``): a fixed price, or a price level for this
   customer and item;
2. the customer's price level (``customer.pricelevel``): the level's price for the item in the
   customer's currency, or - when the level has no price of its own - the base price adjusted by
   the level's markup/discount percentage (``pricelevel.discountpct``; -10 means 10 % below base);
3. the item's base price (price level 1, "Base Price").
Quantity pricing: price rows whose quantity break starts above 1 are ignored, so the quote is
the price of one unit. Not evaluated: customer group pricing, promotions and discount items
on the order, and price levels computed from another level than the base price.
Unconfirmed against a live account: the sign convention of ``discountpct`` and whether
calculated level prices also appear as rows in ``pricing``.
"""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from app.domain.money import quantize, to_decimal
from app.domain.pricing import PriceQuote
from app.erp.fields import amount
from app.erp.netsuite.mapping import VENDOR
from app.erp.netsuite.queries import BASE_PRICE_LEVEL


def _level_prices(rows: list[dict[str, Any]]) -> dict[int, Decimal]:
    """Price per level for quantity 1 (the lowest quantity break that starts at or below 1)."""
    best: dict[int, tuple[Decimal, Decimal]] = {}
    for row in rows:
        if row.get("pricelevel") in (None, "") or row.get("unitprice") in (None, ""):
            continue
        start = to_decimal(row.get("minquantity")) or Decimal(0)
        if start > 1:
            continue
        level = int(str(row["pricelevel"]))
        price = amount(row, "unitprice", vendor=VENDOR, record="item price")
        if level not in best or start > best[level][0]:
            best[level] = (start, price)
    return {level: price for level, (_start, price) in best.items()}


def quotes(customer: dict[str, Any], rows: list[dict[str, Any]], levels: dict[int, dict[str, Any]],
           currency: str) -> list[PriceQuote]:
    """One quote per item that has a price; ``levels`` maps level id -> {name, discountpct}."""
    places = int(str(customer.get("currencyprecision") or 2))
    by_item: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_item[str(row["itemid"])].append(row)
    customer_level = int(str(customer["pricelevel"])) if customer.get("pricelevel") not in (None, "") else None
    result = []
    for code, item_rows in by_item.items():
        prices = _level_prices(item_rows)
        base = prices.get(BASE_PRICE_LEVEL)
        special = next((r for r in item_rows if r.get("customerprice") not in (None, "")
                        or r.get("customerlevel") not in (None, "")), None)
        unit, source = None, ""
        if special is not None and special.get("customerprice") not in (None, ""):
            unit, source = amount(special, "customerprice", vendor=VENDOR, record="customer item price"), \
                "Customer item price"
        elif special is not None:
            unit, source = _level_price(int(str(special["customerlevel"])), prices, base, levels, places)
        elif customer_level is not None:
            unit, source = _level_price(customer_level, prices, base, levels, places)
        if unit is None:
            unit, source = base, "Base Price"
        if unit is None:
            continue
        name = str(item_rows[0].get("displayname") or code)
        result.append(PriceQuote(item_code=code, item_name=name, unit_price=unit, list_price=base,
                                 currency=currency, price_list=source))
    return sorted(result, key=lambda q: q.item_code)


def _level_price(level: int, prices: dict[int, Decimal], base: Decimal | None,
                 levels: dict[int, dict[str, Any]], places: int) -> tuple[Decimal | None, str]:
    info = levels.get(level, {})
    name = str(info.get("name") or f"Price level {level}")
    if level in prices:
        return prices[level], name
    pct = to_decimal(info.get("discountpct"))
    if base is None or pct is None:
        return None, ""
    return quantize(base * (Decimal(100) + pct) / Decimal(100), places), name
