"""The panel's shape, written once: what every surface shows (widget API, Pipedrive panel, HubSpot card).

These schemas document the panel in the OpenAPI document and serialise it (exact decimals as
strings, ISO dates); ``app.panel.present`` fills the same field names from the read service's
PanelView, so a field is added here and nowhere else.
"""
from __future__ import annotations

from typing import Any

import marshmallow as ma

STATES = ["ok", "stale", "retrying", "unavailable", "not_found", "not_linked", "error"]
VISIBILITIES = ["full", "badges", "hidden"]


class BadgeSchema(ma.Schema):
    code = ma.fields.String(metadata={"description": "credit_hold | over_limit | overdue | out_of_stock | in_stock"})
    label = ma.fields.String()


class SectionMetaSchema(ma.Schema):
    state = ma.fields.String(required=True, validate=ma.validate.OneOf(STATES))
    visibility = ma.fields.String(validate=ma.validate.OneOf(VISIBILITIES), metadata={
        "description": "What the viewer's CRM role may see: full; badges (no data, only 'badges'); hidden"})
    badges = ma.fields.List(ma.fields.Nested(BadgeSchema), metadata={
        "description": "Facts without figures, for a viewer who sees this section as badges"})
    stale = ma.fields.Boolean(required=True)
    as_of = ma.fields.DateTime(allow_none=True, metadata={"description": "When the ERP data was fetched"})
    age_seconds = ma.fields.Float(allow_none=True)
    source = ma.fields.String()
    reason = ma.fields.String(metadata={"description": "Reason code when not ok"})
    message = ma.fields.String(metadata={"description": "Plain sentence for the user when not ok"})
    unreachable_since = ma.fields.DateTime(
        allow_none=True, metadata={"description": "When the ERP stopped answering for this section (null while "
                                                  "it answers)"})
    retry_after_seconds = ma.fields.Float(
        allow_none=True, metadata={"description": "State 'retrying': the ERP is asked again after this many "
                                                  "seconds; load the panel again then"})


def _money(**kw: Any) -> ma.fields.Decimal:
    """Exact decimal amounts, serialised as strings (documented as string/decimal)."""
    return ma.fields.Decimal(as_string=True, metadata={"type": "string", "format": "decimal"}, **kw)


class CreditSchema(ma.Schema):
    customer_id = ma.fields.String()
    customer_name = ma.fields.String()
    currency = ma.fields.String()
    credit_limit = _money(allow_none=True)
    balance = _money()
    overdue = _money()
    available_credit = _money(allow_none=True)
    on_hold = ma.fields.Boolean()
    over_limit = ma.fields.Boolean()
    hold_reason = ma.fields.String()
    hold_note = ma.fields.String()


class StockLineSchema(ma.Schema):
    item_code = ma.fields.String()
    item_name = ma.fields.String()
    warehouse = ma.fields.String()
    on_hand = _money()
    reserved = _money()
    available = _money()
    uom = ma.fields.String()


class InvoiceSchema(ma.Schema):
    number = ma.fields.String()
    issue_date = ma.fields.Date()
    due_date = ma.fields.Date(allow_none=True)
    currency = ma.fields.String()
    total = _money()
    outstanding = _money()
    status = ma.fields.String()
    status_raw = ma.fields.String()
    is_overdue = ma.fields.Boolean()
    days_overdue = ma.fields.Integer()


class PriceSchema(ma.Schema):
    item_code = ma.fields.String()
    item_name = ma.fields.String()
    unit_price = _money()
    list_price = _money(allow_none=True)
    discount_percent = _money(allow_none=True)
    currency = ma.fields.String()
    price_list = ma.fields.String()


class CreditSectionSchema(SectionMetaSchema):
    data = ma.fields.Nested(CreditSchema, allow_none=True)


class StockSectionSchema(SectionMetaSchema):
    data = ma.fields.List(ma.fields.Nested(StockLineSchema), allow_none=True)


class InvoiceSummarySchema(ma.Schema):
    open_count = ma.fields.Integer()
    overdue_count = ma.fields.Integer()
    outstanding_total = _money()
    overdue_total = _money()
    currency = ma.fields.String()


class InvoicesSectionSchema(SectionMetaSchema):
    data = ma.fields.List(ma.fields.Nested(InvoiceSchema), allow_none=True)
    summary = ma.fields.Nested(InvoiceSummarySchema, allow_none=True)


class PricingSectionSchema(SectionMetaSchema):
    data = ma.fields.List(ma.fields.Nested(PriceSchema), allow_none=True)


class SectionsSchema(ma.Schema):
    credit = ma.fields.Nested(CreditSectionSchema, required=True)
    stock = ma.fields.Nested(StockSectionSchema, required=True)
    invoices = ma.fields.Nested(InvoicesSectionSchema, required=True)
    pricing = ma.fields.Nested(PricingSectionSchema, required=True)


class GlanceSchema(ma.Schema):
    """The "can I sell?" line: hold, over limit, overdue invoices and credit room, from the sections read."""

    verdict = ma.fields.String(required=True, validate=ma.validate.OneOf(
        ["on_hold", "over_limit", "overdue", "ok", "unknown"]), metadata={
        "description": "The most serious finding: on_hold, over_limit, overdue, ok; unknown when credit could "
                       "not be read and no earlier read is known"})
    headline = ma.fields.String(required=True, metadata={"description": "The line in plain English"})
    on_hold = ma.fields.Boolean(allow_none=True, metadata={"description": "null: not known"})
    hold_reason = ma.fields.String()
    hold_note = ma.fields.String()
    hold_as_of = ma.fields.DateTime(allow_none=True, metadata={"description": "When the hold figure was read"})
    hold_last_known = ma.fields.Boolean(metadata={
        "description": "The hold comes from the last good read, older than the credit section's stale limit"})
    over_limit = ma.fields.Boolean(allow_none=True)
    currency = ma.fields.String()
    credit_limit = _money(allow_none=True)
    balance = _money(allow_none=True)
    available_credit = _money(allow_none=True)
    overdue_count = ma.fields.Integer(allow_none=True)
    oldest_overdue_days = ma.fields.Integer(allow_none=True)
    overdue_total = _money(allow_none=True)
    overdue_currency = ma.fields.String()
    unreachable_since = ma.fields.DateTime(allow_none=True, metadata={
        "description": "The earliest time a section's ERP reads started failing (null while the ERP answers)"})


class PanelSchema(ma.Schema):
    crm_account_id = ma.fields.String(required=True)
    erp_customer_id = ma.fields.String(allow_none=True)
    customer_name = ma.fields.String(metadata={
        "description": "From the credit section, else the last good credit read"})
    linked = ma.fields.Boolean(required=True)
    glance = ma.fields.Nested(GlanceSchema, allow_none=True, metadata={
        "description": "The \"can I sell?\" line (null when the account is not linked)"})
    generated_at = ma.fields.DateTime(required=True)
    sections = ma.fields.Nested(SectionsSchema, required=True)
