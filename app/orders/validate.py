"""Checks a deal before anything is written to the ERP, with reason codes and plain sentences.

One set of rules for two moments: the order flow runs them on a won deal (``message``: why no
order was created, shown on the deal and in the error queue), and order readiness runs the same
rules on an open deal (``fix``: what to change before it is won, and ``owner``: who changes it).
"""
from __future__ import annotations

from dataclasses import dataclass

from app.domain.credit import CustomerCredit, HoldReason
from app.domain.deal import Deal
from app.domain.readiness import Owner
from app.domain.stock import ItemInfo

CREDIT_BLOCK, CREDIT_FLAG = "block", "create_and_flag"


@dataclass(frozen=True)
class Problem:
    """One reason the order cannot be created.

    ``message`` is shown on the deal and to admins once the deal is won; ``fix`` says, before the
    deal is won, what to change; ``owner`` is who changes it.
    """

    reason: str
    message: str
    owner: Owner = Owner.REP
    fix: str = ""


def deal_skus(deal: Deal) -> list[str]:
    """The deal's item codes, each once, sorted (what the ERP is asked about)."""
    return sorted({line.sku for line in deal.lines if line.sku})


def check_deal(deal: Deal, *, require_won: bool = True) -> list[Problem]:
    """Problems visible on the deal alone: not won (when required), no lines, bad quantities, no SKUs."""
    problems: list[Problem] = []
    if require_won and not deal.is_won:
        problems.append(Problem("deal_not_won", f"The deal is '{deal.status}' in the CRM, not won; "
                                                "no order was created."))
    if not deal.lines:
        problems.append(Problem("empty_lines", "The deal has no products; add line items and replay the order.",
                                fix="Add the products the customer buys to the deal (the sales rep)."))
    bad_qty = [line.sku or line.name for line in deal.lines if line.quantity <= 0]
    if bad_qty:
        problems.append(Problem("invalid_quantity", "Quantity must be more than zero for: " + ", ".join(bad_qty),
                                fix="Set a quantity above zero for " + ", ".join(bad_qty) + " (the sales rep)."))
    no_sku = [line.name for line in deal.lines if not line.sku]
    if no_sku:
        problems.append(Problem("unknown_sku", "These products have no SKU to match an ERP item: "
                                + ", ".join(no_sku),
                                fix="Replace " + ", ".join(no_sku) + " with catalogue products that carry an "
                                    "item code (the sales rep)."))
    return problems


def missing_link() -> Problem:
    """The deal's company is not linked to an ERP customer."""
    return Problem("missing_erp_customer_link", "The deal's company is not linked to an ERP customer; link it on "
                                                "the erp-panel settings page and replay the order.",
                   owner=Owner.ADMIN,
                   fix="Link the deal's company to its ERP customer (an admin, on the erp-panel settings page; "
                       "or fill the company's ERP customer ID field in the CRM).")


def check_items(codes: list[str], known: dict[str, ItemInfo]) -> list[Problem]:
    """Problems for SKUs the ERP does not know, and for items it no longer sells."""
    problems = []
    unknown = sorted(code for code in codes if code not in known)
    if unknown:
        names = ", ".join(unknown)
        problems.append(Problem("unknown_sku", "These products are not known in the ERP: " + names,
                                fix=f"Replace {names} with products the ERP knows (the sales rep), or have an admin "
                                    "add these item codes to the ERP."))
    unsold = sorted(code for code in codes if code in known and not known[code].sellable)
    if unsold:
        names = ", ".join(unsold)
        problems.append(Problem("item_not_sellable", "These products are disabled or not for sale in the ERP: "
                                + names,
                                fix=f"Replace {names}: the ERP no longer sells them (the sales rep)."))
    return problems


def check_currency(deal: Deal, credit: CustomerCredit) -> list[Problem]:
    """The ERP customer bills in one currency; the deal (and every line) must use it."""
    currencies = {deal.currency.upper()} | {line.currency.upper() for line in deal.lines if line.currency}
    wrong = sorted(c for c in currencies if c != credit.currency.upper())
    if not wrong:
        return []
    return [Problem("currency_mismatch", f"The deal is in {', '.join(wrong)} but the ERP customer "
                                         f"{credit.customer_id} is billed in {credit.currency}.",
                    fix=f"Change the deal's currency to {credit.currency}, the currency the ERP customer "
                        f"{credit.customer_id} is billed in (the sales rep).")]


def credit_decision(credit: CustomerCredit, policy: str) -> tuple[list[Problem], bool]:
    """(problems, flag): 'block' refuses an order for a customer on hold; 'create_and_flag' flags it."""
    if not credit.on_hold:
        return [], False
    if policy == CREDIT_FLAG:
        return [], True
    note = f" ({credit.hold_note})" if credit.hold_note else ""
    customer = credit.customer_id
    if credit.hold_reason == HoldReason.DISABLED:
        owner, fix = Owner.ADMIN, f"An admin must enable the ERP customer {customer} in the ERP again{note}."
    elif credit.hold_reason == HoldReason.OVER_LIMIT:
        owner, fix = Owner.FINANCE, (f"Finance must raise the credit limit of ERP customer {customer} or collect "
                                     "its outstanding balance: it is over its limit.")
    else:
        owner, fix = Owner.FINANCE, f"Finance must release the credit hold of ERP customer {customer}{note}."
    return [Problem("credit_hold", f"The ERP customer {customer} is on credit hold{note}; "
                                   "no order was created.", owner=owner, fix=fix)], False


def order_problems(deal: Deal, *, customer_id: str | None, items: dict[str, ItemInfo] | None,
                   credit: CustomerCredit | None, policy: str, require_won: bool = True) -> tuple[list[Problem], bool]:
    """Every rule the order flow applies: (problems, credit_flagged).

    ``items`` is None when the ERP's answer about the items is not known (then they are not judged),
    ``credit`` likewise for the currency and the credit hold.
    """
    problems = check_deal(deal, require_won=require_won)
    if not customer_id:
        problems.append(missing_link())
    skus = deal_skus(deal)
    if skus and items is not None:
        problems += check_items(skus, items)
    flagged = False
    if credit is not None:
        problems += check_currency(deal, credit)
        credit_problems, flagged = credit_decision(credit, policy)
        problems += credit_problems
    return problems, flagged
