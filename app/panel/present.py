"""Turns a PanelView into the panel's shape (``app.panel.schema``) as plain data for every surface.

The field names come from the schemas, the values from the domain objects (attributes of the
same name) plus the few computed here (invoice overdue figures, the invoice summary, section
metadata). Decimals and dates are left as Python values for each surface to format (the API
schema, the Pipedrive panel, the HubSpot card).
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import Enum
from functools import cache
from typing import Any

import marshmallow as ma

from app.domain.invoice import Invoice
from app.panel.glance import glance
from app.panel.model import DataKind, PanelView, Section
from app.panel.schema import (
    CreditSchema,
    CreditSectionSchema,
    InvoiceSchema,
    InvoicesSectionSchema,
    InvoiceSummarySchema,
    PanelSchema,
    PriceSchema,
    PricingSectionSchema,
    StockLineSchema,
    StockSectionSchema,
)

#: per section kind: the section's schema and the schema of one item of its data
_SECTIONS: dict[DataKind, tuple[type[ma.Schema], type[ma.Schema]]] = {
    DataKind.CREDIT: (CreditSectionSchema, CreditSchema),
    DataKind.STOCK: (StockSectionSchema, StockLineSchema),
    DataKind.INVOICES: (InvoicesSectionSchema, InvoiceSchema),
    DataKind.PRICING: (PricingSectionSchema, PriceSchema),
}


@cache
def _names(schema: type[ma.Schema]) -> tuple[str, ...]:
    return tuple(schema().fields)


def shaped(schema: type[ma.Schema], obj: object, **computed: Any) -> dict[str, Any]:
    """The schema's fields filled from ``obj``'s attributes (enums as their values), ``computed`` first."""
    out: dict[str, Any] = {}
    for name in _names(schema):
        value = computed[name] if name in computed else getattr(obj, name)
        out[name] = value.value if isinstance(value, Enum) else value
    return out


def invoice_summary(invoices: list[Invoice], today: date) -> dict[str, Any]:
    overdue = [i for i in invoices if i.is_overdue(today)]
    currencies = {i.currency for i in invoices}
    return shaped(InvoiceSummarySchema, None, open_count=len(invoices), overdue_count=len(overdue),
                  outstanding_total=sum((i.outstanding for i in invoices), Decimal(0)),
                  overdue_total=sum((i.outstanding for i in overdue), Decimal(0)),
                  currency=currencies.pop() if len(currencies) == 1 else "")


def _item(schema: type[ma.Schema], item: Any, today: date) -> dict[str, Any]:
    if isinstance(item, Invoice):
        return shaped(schema, item, is_overdue=item.is_overdue(today), days_overdue=item.days_overdue(today))
    return shaped(schema, item)


def section_dict(section: Section, today: date) -> dict[str, Any]:
    section_schema, item_schema = _SECTIONS[section.kind]
    value = section.data
    data: dict[str, Any] | list[dict[str, Any]] | None
    if value is None:
        data = None
    elif isinstance(value, list):
        data = [_item(item_schema, item, today) for item in value]
    else:
        data = _item(item_schema, value, today)
    out = shaped(section_schema, section, state=section.state, data=data, summary=None,
                 badges=[{"code": b.code, "label": b.label} for b in section.badges],
                 age_seconds=round(section.age_seconds, 1) if section.age_seconds is not None else None,
                 retry_after_seconds=section.retry_after)
    if section.kind == DataKind.INVOICES and value is not None:
        out["summary"] = invoice_summary(value, today)
    else:
        out.pop("summary", None)
    return out


def panel_dict(view: PanelView, today: date) -> dict[str, Any]:
    """The full panel as plain data (Decimals and dates left for the surface to format)."""
    return shaped(PanelSchema, view, glance=glance(view, today),
                  sections={kind.value: section_dict(section, today) for kind, section in view.sections.items()})
