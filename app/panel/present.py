"""Turns a PanelView into plain data shared by every surface (widget API, Pipedrive panel, HubSpot card)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from app.domain.credit import CustomerCredit
from app.domain.invoice import Invoice
from app.domain.pricing import PriceQuote
from app.domain.stock import StockLine
from app.panel.model import DataKind, PanelView, Section


def credit_dict(c: CustomerCredit) -> dict[str, Any]:
    return {"customer_id": c.customer_id, "customer_name": c.customer_name, "currency": c.currency,
            "credit_limit": c.credit_limit, "balance": c.balance, "overdue": c.overdue,
            "available_credit": c.available_credit, "on_hold": c.on_hold, "over_limit": c.over_limit,
            "hold_reason": c.hold_reason.value, "hold_note": c.hold_note}


def stock_dict(s: StockLine) -> dict[str, Any]:
    return {"item_code": s.item_code, "item_name": s.item_name, "warehouse": s.warehouse, "on_hand": s.on_hand,
            "reserved": s.reserved, "available": s.available, "uom": s.uom}


def invoice_dict(i: Invoice, today: date) -> dict[str, Any]:
    return {"number": i.number, "issue_date": i.issue_date, "due_date": i.due_date, "currency": i.currency,
            "total": i.total, "outstanding": i.outstanding, "status": i.status.value, "status_raw": i.status_raw,
            "is_overdue": i.is_overdue(today), "days_overdue": i.days_overdue(today)}


def price_dict(p: PriceQuote) -> dict[str, Any]:
    return {"item_code": p.item_code, "item_name": p.item_name, "unit_price": p.unit_price,
            "list_price": p.list_price, "discount_percent": p.discount_percent, "currency": p.currency,
            "price_list": p.price_list}


def invoice_summary(invoices: list[Invoice], today: date) -> dict[str, Any]:
    overdue = [i for i in invoices if i.is_overdue(today)]
    currencies = {i.currency for i in invoices}
    return {"open_count": len(invoices), "overdue_count": len(overdue),
            "outstanding_total": sum((i.outstanding for i in invoices), Decimal(0)),
            "overdue_total": sum((i.outstanding for i in overdue), Decimal(0)),
            "currency": currencies.pop() if len(currencies) == 1 else ""}


def section_dict(section: Section, today: date) -> dict[str, Any]:
    out: dict[str, Any] = {"state": section.state.value, "stale": section.stale, "as_of": section.as_of,
                           "age_seconds": round(section.age_seconds, 1) if section.age_seconds is not None else None,
                           "source": section.source, "reason": section.reason, "message": section.message,
                           "retry_after_seconds": section.retry_after, "data": None}
    value = section.data
    if value is None:
        return out
    if section.kind == DataKind.CREDIT:
        out["data"] = credit_dict(value)
    elif section.kind == DataKind.STOCK:
        out["data"] = [stock_dict(s) for s in value]
    elif section.kind == DataKind.INVOICES:
        out["data"] = [invoice_dict(i, today) for i in value]
        out["summary"] = invoice_summary(value, today)
    elif section.kind == DataKind.PRICING:
        out["data"] = [price_dict(p) for p in value]
    return out


def panel_header(view: PanelView) -> dict[str, Any]:
    """The panel's own fields, without its sections."""
    return {"crm_account_id": view.crm_account_id, "erp_customer_id": view.erp_customer_id,
            "customer_name": view.customer_name, "linked": view.linked, "generated_at": view.generated_at}


def panel_dict(view: PanelView, today: date) -> dict[str, Any]:
    """The full panel as plain data (Decimals and dates left for the schema to format)."""
    return panel_header(view) | {
        "sections": {kind.value: section_dict(section, today) for kind, section in view.sections.items()}}
