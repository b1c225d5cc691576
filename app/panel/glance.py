"""The "can I sell?" line above the panel's tabs: credit hold, over limit, overdue invoices, credit room.

Built from the sections already read (nothing is fetched for it). Past the credit section's stale
limit the last good credit read still says whether the customer was on hold and when that was read
("On hold as of 14:02"), so a hold never vanishes in a long outage; ``unreachable_since`` is
the earliest time a section's ERP reads started failing. ``headline`` is the line in plain English
for surfaces that show server text (the Pipedrive panel); the widget and the HubSpot card build their
own (localised) line from the same fields.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from app.domain.credit import CustomerCredit
from app.domain.invoice import Invoice
from app.panel.model import DataKind, PanelView

#: verdicts, most serious first
ON_HOLD, OVER_LIMIT, OVERDUE, OK, UNKNOWN = "on_hold", "over_limit", "overdue", "ok", "unknown"


@dataclass(frozen=True)
class Overdue:
    count: int
    oldest_days: int
    total: Decimal
    currency: str


def overdue_of(invoices: list[Invoice], today: date) -> Overdue:
    """How many open invoices are overdue, the oldest one's days past due and their total."""
    late = [i for i in invoices if i.is_overdue(today)]
    currencies = {i.currency for i in late}
    return Overdue(len(late), max((i.days_overdue(today) for i in late), default=0),
                   sum((i.outstanding for i in late), Decimal(0)), currencies.pop() if len(currencies) == 1 else "")


def amount_text(amount: Decimal | None, currency: str) -> str:
    """``CHF 12,000.00`` (server text; the widget formats with the user's locale)."""
    if amount is None:
        return ""
    return f"{currency} {amount:,.2f}".strip()


def _verdict(credit: CustomerCredit | None, on_hold: bool | None, overdue: Overdue | None) -> str:
    if on_hold:
        return ON_HOLD
    if credit is not None and credit.over_limit:
        return OVER_LIMIT
    if (overdue is not None and overdue.count) or (credit is not None and credit.overdue > 0):
        return OVERDUE
    return OK if credit is not None else UNKNOWN


def _unreachable_since(view: PanelView) -> datetime | None:
    times = [s.unreachable_since for s in view.sections.values() if s.unreachable_since is not None]
    return min(times) if times else None


def glance(view: PanelView, today: date) -> dict[str, Any] | None:
    """The glance fields (``app.panel.schema.GlanceSchema``), or None for an account with no ERP customer."""
    if not view.linked:
        return None
    credit_section = view.sections.get(DataKind.CREDIT)
    credit = view.credit
    last = view.last_credit if credit is None else None
    hold_source = credit or last
    invoices = view.sections.get(DataKind.INVOICES)
    overdue = (overdue_of(invoices.data, today)
               if invoices is not None and isinstance(invoices.data, list) else None)
    on_hold = hold_source.on_hold if hold_source is not None else None
    verdict = _verdict(credit, on_hold, overdue)
    out: dict[str, Any] = {
        "verdict": verdict,
        "on_hold": on_hold,
        "hold_reason": hold_source.hold_reason.value if hold_source is not None and on_hold else "",
        "hold_note": hold_source.hold_note if hold_source is not None and on_hold else "",
        "hold_as_of": (credit_section.as_of if credit is not None and credit_section is not None
                       else view.last_credit_at if last is not None else None),
        "hold_last_known": last is not None,
        "over_limit": credit.over_limit if credit is not None else None,
        "currency": credit.currency if credit is not None else "",
        "credit_limit": credit.credit_limit if credit is not None else None,
        "balance": credit.balance if credit is not None else None,
        "available_credit": credit.available_credit if credit is not None else None,
        "overdue_count": overdue.count if overdue is not None else None,
        "oldest_overdue_days": overdue.oldest_days if overdue is not None and overdue.count else None,
        "overdue_total": overdue.total if overdue is not None else None,
        "overdue_currency": overdue.currency if overdue is not None else "",
        "unreachable_since": _unreachable_since(view),
    }
    out["headline"] = headline(out)
    return out


def headline(g: dict[str, Any]) -> str:
    """The glance as one English line: the verdict first, then overdue invoices and the credit room."""
    parts: list[str] = []
    verdict = g["verdict"]
    if verdict == ON_HOLD:
        note = g["hold_note"] or g["hold_reason"].replace("_", " ")
        parts.append(f"On credit hold{' (last known)' if g['hold_last_known'] else ''}"
                     + (f": {note}" if note else ""))
    elif verdict == OVER_LIMIT:
        parts.append(f"Over the credit limit by {amount_text(-g['available_credit'], g['currency'])}")
    elif g["on_hold"] is None:
        parts.append("Credit status unknown right now")
    if g["overdue_count"]:
        n = g["overdue_count"]
        parts.append(f"{n} overdue invoice{'s' if n != 1 else ''}, oldest {g['oldest_overdue_days']} days")
    if verdict not in (ON_HOLD, OVER_LIMIT) and g["available_credit"] is not None:
        parts.append(f"{amount_text(g['available_credit'], g['currency'])} credit available")
    elif verdict == OK and g["credit_limit"] is None and g["on_hold"] is not None:
        parts.append("No credit limit")
    if verdict == OK:
        parts.insert(0, "Good to sell")
    return " · ".join(parts)


def deal_room(g: dict[str, Any] | None, amount: Decimal | None, currency: str) -> dict[str, Any] | None:
    """Whether the available credit covers a deal's amount: True / False, None when it cannot be said
    (no limit is True; another currency or no credit figure is None)."""
    if g is None or amount is None:
        return None
    available = g["available_credit"]
    if g["on_hold"] is None:
        covers = None
    elif g["credit_limit"] is None:
        covers = True
    elif available is None or (currency and g["currency"] and currency != g["currency"]):
        covers = None
    else:
        covers = available >= amount
    return {"amount": amount, "currency": currency, "covers": covers,
            "short_by": (amount - available) if covers is False and available is not None else None}
