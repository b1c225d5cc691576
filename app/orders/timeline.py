"""The order on a deal and its timeline, as plain data for every surface (widget API, panel).

Read from erp-panel's own records (the order record and the timeline the status poll writes), never
from the CRM or the ERP: showing it costs one database read.
"""
from __future__ import annotations

from typing import Any

from app.errors import NotFound
from app.orders.records import OrderRecords
from app.orders.status_poll import timeline
from app.orders.writeback import delivery_text, invoice_text
from app.tenants.model import Tenant


def order_view(records: OrderRecords, tenant: Tenant, crm_deal_id: str) -> dict[str, Any]:
    """The deal's ERP order now (stage, delivery, invoices, what is owed) and every change seen, oldest first.

    NotFound (``order_not_found``) while the deal has no ERP order."""
    record = records.get(tenant.id, crm_deal_id)
    if record is None or not record.erp_order_number:
        raise NotFound("This deal has no ERP order yet.", reason="order_not_found")
    settings = tenant.settings
    facts = record.order_progress or {}
    stage = record.order_stage or "open"
    events = [{"stage": e.stage, "stage_text": settings.translate_status(e.stage), "seen_at": e.seen_at,
               "order_number": e.order_number, "delivered_quantity": e.facts.get("delivered_quantity"),
               "ordered_quantity": e.facts.get("ordered_quantity"),
               "invoice_numbers": list(e.facts.get("invoice_numbers") or []),
               "outstanding": e.facts.get("outstanding"), "currency": e.facts.get("currency") or ""}
              for e in timeline(records.db, tenant.id, crm_deal_id)]
    return {"crm_deal_id": crm_deal_id, "order_number": record.erp_order_number, "stage": stage,
            "stage_text": settings.translate_status(stage),
            "delivery_status": delivery_text(settings, facts) if facts else None,
            "invoice_status": invoice_text(settings, facts) if facts else None,
            "outstanding": facts.get("outstanding"), "currency": facts.get("currency") or record.deal_currency or "",
            "stage_seen_at": record.stage_seen_at, "events": events}
