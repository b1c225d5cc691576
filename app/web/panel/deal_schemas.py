"""Schemas of the deal views of the widget API: order readiness (and the order on the deal)."""
from __future__ import annotations

import marshmallow as ma

READINESS_STATES = ("ready", "warnings", "blocked", "could_not_check")


class ReadinessItemSchema(ma.Schema):
    severity = ma.fields.String(required=True, metadata={"description": "blocker | warning | unchecked"})
    reason = ma.fields.String(required=True, metadata={"description": "Stable reason code, e.g. unknown_sku"})
    message = ma.fields.String(required=True, metadata={
        "description": "One plain sentence: what to fix and who fixes it"})
    owner = ma.fields.String(allow_none=True, metadata={
        "description": "Who fixes it: rep | admin | finance (null for checks that could not run)"})


def _decimal(description: str = "", *, required: bool = False, allow_none: bool = False) -> ma.fields.Decimal:
    """An exact decimal, serialised as a string."""
    meta = {"type": "string", "format": "decimal", **({"description": description} if description else {})}
    return ma.fields.Decimal(as_string=True, metadata=meta, required=required, allow_none=allow_none)


class DealLineFactsSchema(ma.Schema):
    """One deal line against the ERP: quantity against stock, deal price against the customer's price."""

    sku = ma.fields.String(required=True)
    name = ma.fields.String()
    quantity = _decimal(required=True)
    deal_price = _decimal("The line's unit price after its discount", required=True)
    currency = ma.fields.String()
    available = _decimal("Available across the ERP's warehouses (null: stock could not be read)", allow_none=True)
    short = _decimal("Units the stock lacks (0 when enough; null: unknown)", allow_none=True)
    customer_price = _decimal("The customer's ERP unit price (null: none or not read)", allow_none=True)
    customer_currency = ma.fields.String()


class ReadinessSchema(ma.Schema):
    """Will this deal become an ERP order when it is won?"""

    crm_deal_id = ma.fields.String(required=True)
    state = ma.fields.String(required=True, validate=ma.validate.OneOf(READINESS_STATES), metadata={
        "description": "ready | warnings | blocked | could_not_check (the CRM or the ERP did not answer in time)"})
    summary = ma.fields.String(required=True, metadata={"description": "One sentence for the top of the block"})
    checked_at = ma.fields.DateTime(required=True)
    age_seconds = ma.fields.Float(required=True)
    deal_title = ma.fields.String()
    deal_status = ma.fields.String()
    deal_won = ma.fields.Boolean()
    crm_account_id = ma.fields.String()
    erp_customer_id = ma.fields.String()
    amount = _decimal("What the order would be worth (the lines after discounts)", allow_none=True)
    currency = ma.fields.String()
    lines = ma.fields.List(ma.fields.Nested(DealLineFactsSchema), metadata={
        "description": "The deal's lines with their stock and the customer's price"})
    items = ma.fields.List(ma.fields.Nested(ReadinessItemSchema), required=True, metadata={
        "description": "Blockers first, then warnings, then checks that could not run"})


class OrderEventSchema(ma.Schema):
    stage = ma.fields.String(required=True, metadata={
        "description": "confirmed | partly_delivered | delivered | invoiced | paid | cancelled"})
    stage_text = ma.fields.String(required=True, metadata={"description": "The tenant's text for the stage"})
    seen_at = ma.fields.DateTime(required=True, metadata={"description": "When erp-panel first saw this change"})
    order_number = ma.fields.String(required=True)
    delivered_quantity = ma.fields.String(allow_none=True, metadata={
        "description": "Quantity delivered over all lines (decimal text); null when the ERP does not report it"})
    ordered_quantity = ma.fields.String(allow_none=True)
    invoice_numbers = ma.fields.List(ma.fields.String(), required=True)
    outstanding = ma.fields.String(allow_none=True, metadata={
        "description": "Amount still owed on the order's invoices (decimal text); null before the first invoice"})
    currency = ma.fields.String(required=True)


class OrderTimelineSchema(ma.Schema):
    """The deal's ERP order after creation: where it stands and every change seen."""

    crm_deal_id = ma.fields.String(required=True)
    order_number = ma.fields.String(required=True)
    stage = ma.fields.String(required=True, metadata={
        "description": "open (not polled yet) | confirmed | partly_delivered | delivered | invoiced | paid | cancelled"})
    stage_text = ma.fields.String(required=True)
    delivery_status = ma.fields.String(allow_none=True)
    invoice_status = ma.fields.String(allow_none=True)
    outstanding = ma.fields.String(allow_none=True)
    currency = ma.fields.String(required=True)
    stage_seen_at = ma.fields.DateTime(allow_none=True)
    events = ma.fields.List(ma.fields.Nested(OrderEventSchema), required=True, metadata={
        "description": "Every change of the order, oldest first"})


class DealViewSchema(ma.Schema):
    """What a CRM surface shows about the deal it is opened on (the HubSpot card on a deal record)."""

    readiness = ma.fields.Nested(ReadinessSchema, allow_none=True)
    message = ma.fields.String(metadata={"description": "Plain sentence when there is nothing to show"})
