"""Checks a won deal before anything is written to the ERP, with reason codes and plain sentences."""
from __future__ import annotations

from dataclasses import dataclass

from app.domain.credit import CustomerCredit
from app.domain.deal import Deal
from app.domain.stock import ItemInfo

CREDIT_BLOCK, CREDIT_FLAG = "block", "create_and_flag"


@dataclass(frozen=True)
class Problem:
    """One reason the order cannot be created; ``message`` is shown on the deal and to admins."""

    reason: str
    message: str


def check_deal(deal: Deal) -> list[Problem]:
    """Problems visible on the deal alone: not won, no lines, bad quantities."""
    problems: list[Problem] = []
    if not deal.is_won:
        problems.append(Problem("deal_not_won", f"The deal is '{deal.status}' in the CRM, not won; "
                                                "no order was created."))
    if not deal.lines:
        problems.append(Problem("empty_lines", "The deal has no products; add line items and replay the order."))
    bad_qty = [line.sku or line.name for line in deal.lines if line.quantity <= 0]
    if bad_qty:
        problems.append(Problem("invalid_quantity", "Quantity must be more than zero for: " + ", ".join(bad_qty)))
    no_sku = [line.name for line in deal.lines if not line.sku]
    if no_sku:
        problems.append(Problem("unknown_sku", "These products have no SKU to match an ERP item: "
                                + ", ".join(no_sku)))
    return problems


def check_items(codes: list[str], known: dict[str, ItemInfo]) -> list[Problem]:
    """Problems for SKUs the ERP does not know, and for items it no longer sells."""
    problems = []
    unknown = sorted(code for code in codes if code not in known)
    if unknown:
        problems.append(Problem("unknown_sku", "These products are not known in the ERP: " + ", ".join(unknown)))
    unsold = sorted(code for code in codes if code in known and not known[code].sellable)
    if unsold:
        problems.append(Problem("item_not_sellable", "These products are disabled or not for sale in the ERP: "
                                + ", ".join(unsold)))
    return problems


def check_currency(deal: Deal, credit: CustomerCredit) -> list[Problem]:
    """The ERP customer bills in one currency; the deal (and every line) must use it."""
    currencies = {deal.currency.upper()} | {line.currency.upper() for line in deal.lines if line.currency}
    wrong = sorted(c for c in currencies if c != credit.currency.upper())
    if not wrong:
        return []
    return [Problem("currency_mismatch", f"The deal is in {', '.join(wrong)} but the ERP customer "
                                         f"{credit.customer_id} is billed in {credit.currency}.")]


def credit_decision(credit: CustomerCredit, policy: str) -> tuple[list[Problem], bool]:
    """(problems, flag): 'block' refuses an order for a customer on hold; 'create_and_flag' flags it."""
    if not credit.on_hold:
        return [], False
    if policy == CREDIT_FLAG:
        return [], True
    note = f" ({credit.hold_note})" if credit.hold_note else ""
    return [Problem("credit_hold", f"The ERP customer {credit.customer_id} is on credit hold{note}; "
                                   "no order was created.")], False
