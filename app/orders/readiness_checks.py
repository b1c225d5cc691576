"""The checks order readiness adds to the order flow's own rules: price, stock, credit room, mapped fields.

Pure functions over domain objects; each finding is a :class:`ReadinessItem` whose sentence says what
to change and who changes it. None of these stops an order after close (the flow creates it with the
deal's prices and quantities), so they are warnings; the flow's own rules (``app.orders.validate``)
become blockers through :func:`from_problems`.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

from app.domain.credit import CustomerCredit
from app.domain.deal import Deal
from app.domain.money import quantize
from app.domain.pricing import PriceQuote
from app.domain.readiness import LineFacts, Owner, ReadinessItem, Severity
from app.domain.stock import StockLine
from app.orders.mapping import MappingError, build_request, source_value
from app.orders.validate import Problem
from app.tenants.settings_rules import ORDER_MAPPING_FIELDS


def from_problems(problems: Iterable[Problem], *, flagged: bool, credit: CustomerCredit | None) -> list[ReadinessItem]:
    """The order flow's problems as blockers; a credit hold the tenant only flags becomes a warning."""
    items = [ReadinessItem(Severity.BLOCKER, p.reason, p.fix or p.message, p.owner) for p in problems]
    if flagged and credit is not None:
        items.append(ReadinessItem(
            Severity.WARNING, "credit_hold_flagged",
            f"The ERP customer {credit.customer_id} is on credit hold; the order will be created but flagged. "
            "Finance should release the hold or confirm the order.", Owner.FINANCE))
    return items


def net_price(unit_price: Decimal, discount_percent: Decimal) -> Decimal:
    """A line's unit price after its discount (what the order carries per unit)."""
    return unit_price * (Decimal(100) - discount_percent) / Decimal(100)


def order_amount(deal: Deal) -> Decimal:
    """What the order for this deal is worth: the sum of its lines after discounts."""
    return sum((line.quantity * net_price(line.unit_price, line.discount_percent) for line in deal.lines),
               Decimal(0))


def _money(amount: Decimal, currency: str) -> str:
    return f"{quantize(amount, 0 if currency == 'JPY' else 2):,} {currency}"


def check_prices(deal: Deal, quotes: Sequence[PriceQuote], tolerance_percent: Decimal) -> list[ReadinessItem]:
    """Deal line prices further than ``tolerance_percent`` from the customer's ERP price (either way)."""
    by_code = {q.item_code: q for q in quotes}
    items: list[ReadinessItem] = []
    unpriced: list[str] = []
    for line in deal.lines:
        if not line.sku:
            continue
        quote = by_code.get(line.sku)
        if quote is None or quote.unit_price <= 0:
            unpriced.append(line.sku)
            continue
        if quote.currency.upper() != (line.currency or deal.currency).upper():
            continue                   # a currency mismatch is reported (and blocks) on its own
        price = net_price(line.unit_price, line.discount_percent)
        deviation = (price - quote.unit_price) / quote.unit_price * Decimal(100)
        if abs(deviation) <= tolerance_percent:
            continue
        direction = "below" if deviation < 0 else "above"
        action = ("correct it or get the discount approved" if deviation < 0
                  else "check it with the customer")
        items.append(ReadinessItem(
            Severity.WARNING, "price_deviation",
            f"The price of {line.sku} ({_money(price, quote.currency)}) is {abs(deviation):.1f} % {direction} the "
            f"customer's ERP price ({_money(quote.unit_price, quote.currency)}); {action} (the sales rep).",
            Owner.REP))
    if unpriced:
        items.append(ReadinessItem(Severity.UNCHECKED, "price_not_found",
                                   f"The ERP has no price for {', '.join(sorted(set(unpriced)))} for this customer, "
                                   "so the deal's price could not be compared."))
    return items


def available_by_item(stock: Sequence[StockLine]) -> dict[str, Decimal]:
    """Stock available per item, summed across the warehouses (an over-reserved warehouse counts as 0)."""
    available: dict[str, Decimal] = {}
    for line in stock:
        available[line.item_code] = available.get(line.item_code, Decimal(0)) + max(line.available, Decimal(0))
    return available


def line_facts(deal: Deal, stock: Sequence[StockLine] | None, quotes: Sequence[PriceQuote] | None
               ) -> tuple[LineFacts, ...]:
    """Each deal line with the stock available for it and the customer's ERP price (None where not read)."""
    available = available_by_item(stock) if stock is not None else None
    prices = {q.item_code: q for q in quotes} if quotes is not None else None
    out = []
    for line in deal.lines:
        quote = prices.get(line.sku) if prices is not None else None
        out.append(LineFacts(line.sku, line.name, line.quantity, net_price(line.unit_price, line.discount_percent),
                             line.currency or deal.currency,
                             available.get(line.sku, Decimal(0)) if available is not None and line.sku else None,
                             quote.unit_price if quote is not None else None, quote.currency if quote else ""))
    return tuple(out)


def check_stock(deal: Deal, stock: Sequence[StockLine]) -> list[ReadinessItem]:
    """Deal quantities above the stock available across the warehouses the ERP reports."""
    available = available_by_item(stock)
    wanted: dict[str, Decimal] = {}
    for line in deal.lines:
        if line.sku and line.quantity > 0:
            wanted[line.sku] = wanted.get(line.sku, Decimal(0)) + line.quantity
    items = []
    for code, quantity in sorted(wanted.items()):
        have = available.get(code, Decimal(0))
        if quantity <= have:
            continue
        items.append(ReadinessItem(
            Severity.WARNING, "insufficient_stock",
            f"Only {have.normalize():f} of the {quantity.normalize():f} × {code} are available across the ERP's "
            "warehouses; agree a delivery date with the customer before closing (the sales rep).", Owner.REP))
    return items


def check_credit_room(deal: Deal, credit: CustomerCredit) -> list[ReadinessItem]:
    """The order amount against the customer's available credit (limit minus balance)."""
    available = credit.available_credit
    if credit.on_hold or available is None or credit.currency.upper() != deal.currency.upper():
        return []
    amount = order_amount(deal)
    if amount <= available:
        return []
    return [ReadinessItem(
        Severity.WARNING, "over_credit_limit",
        f"The order ({_money(amount, credit.currency)}) is more than the customer's available credit "
        f"({_money(max(available, Decimal(0)), credit.currency)}); finance must raise the credit limit, or the ERP "
        "may refuse or hold the order.", Owner.FINANCE)]


def check_mapping(deal: Deal, field_mapping: dict[str, str], customer_id: str) -> list[ReadinessItem]:
    """The tenant's field mapping applied to the deal: a broken mapping blocks, an empty deal field warns."""
    try:
        build_request(deal, customer_id=customer_id, currency=deal.currency.upper(), idempotency_key="readiness",
                      correlation_id="", field_mapping=field_mapping)
    except MappingError as exc:
        problem = exc.problem
        return [ReadinessItem(Severity.BLOCKER, problem.reason, problem.fix or problem.message, problem.owner)]
    items = []
    for target, source in sorted((field_mapping or {}).items()):
        if source.startswith("field:") and not source_value(deal, source):
            label = ORDER_MAPPING_FIELDS.get(target, target)
            items.append(ReadinessItem(
                Severity.WARNING, "mapped_field_empty",
                f"The deal field mapped to the order's '{label}' is empty; fill it in before closing "
                "(the sales rep), or the order goes without it.", Owner.REP))
    return items
