"""Odoo: where sale orders stand after creation, for many orders in one ``search_read``.

``sale.order`` carries ``state`` (``sale``; ``cancel``; ``done`` = locked before Odoo 17),
``delivery_status`` (``pending`` / ``started`` / ``partial`` / ``full``, added by sale_stock,
https://github.com/odoo/odoo/blob/17.0/addons/sale_stock/models/sale_order.py), ``invoice_status``
(``invoiced`` once every line is invoiced, https://github.com/odoo/odoo/blob/17.0/addons/sale/models/sale_order.py)
and ``invoice_ids``. Only orders something happened to cost more: their lines' ``qty_delivered``
(one ``sale.order.line`` read) and their invoices' ``amount_residual`` (one ``account.move`` read),
each for all such orders at once. Calls: ``search_read`` over JSON-2 or JSON-RPC
(https://www.odoo.com/documentation/19.0/developer/reference/external_api.html).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from app.domain.progress import OrderProgress, stage_of
from app.erp.odoo import mapping

ORDER_FIELDS = ["id", "name", "client_order_ref", "state", "delivery_status", "invoice_status", "invoice_ids",
                "currency_id"]
DELIVERY = {"full": "full", "partial": "partly", "started": "partly"}

SearchRead = Callable[..., list[dict[str, Any]]]


def read_progress(search_read: SearchRead, keys: Sequence[str]) -> dict[str, OrderProgress]:
    """Progress of the confirmed or cancelled orders carrying these keys (see the module docstring)."""
    orders = search_read("sale.order", [("client_order_ref", "in", list(keys)), ("state", "!=", "draft")],
                         ORDER_FIELDS, order="id asc")
    moving = [o["id"] for o in orders if mapping.record(o, "sale.order").text("delivery_status") in DELIVERY]
    lines: dict[int, tuple[Decimal, Decimal]] = {}
    if moving:
        for row in search_read("sale.order.line", [("order_id", "in", moving)],
                               ["order_id", "product_uom_qty", "qty_delivered"]):
            line = mapping.record(row, "sale.order.line")
            ordered, delivered = lines.get(mapping.m2o_id(line.value("order_id")) or 0, (Decimal(0), Decimal(0)))
            lines[mapping.m2o_id(line.value("order_id")) or 0] = (ordered + line.amount("product_uom_qty"),
                                                                  delivered + line.amount("qty_delivered"))
    invoice_ids = sorted({i for o in orders for i in (mapping.record(o, "sale.order").value("invoice_ids") or [])})
    moves: dict[int, tuple[str, Decimal]] = {}
    if invoice_ids:
        for row in search_read("account.move", [("id", "in", invoice_ids), ("state", "=", "posted")],
                               ["id", "name", "amount_residual"]):
            move = mapping.record(row, "account.move")
            moves[int(move.value("id"))] = (move.text("name"), move.amount("amount_residual"))
    found: dict[str, OrderProgress] = {}
    for row in orders:
        progress = _progress(row, lines, moves)
        if progress.idempotency_key not in found or progress.stage != "cancelled":
            found[progress.idempotency_key] = progress
    return found


def _progress(row: dict[str, Any], lines: dict[int, tuple[Decimal, Decimal]],
              moves: dict[int, tuple[str, Decimal]]) -> OrderProgress:
    order = mapping.record(row, "sale.order")
    own = [moves[i] for i in order.value("invoice_ids") or [] if i in moves]
    outstanding = sum((residual for _name, residual in own), Decimal(0)) if own else None
    quantities = lines.get(int(order.value("id")))
    stage = stage_of(cancelled=order.text("state") == "cancel",
                     delivered=DELIVERY.get(order.text("delivery_status"), "none"),
                     invoiced=order.text("invoice_status") == "invoiced", paid=outstanding == 0)
    raw = "/".join((order.text("state"), order.text("delivery_status"), order.text("invoice_status")))
    return OrderProgress(idempotency_key=order.text("client_order_ref"), order_number=order.text("name"), stage=stage,
                         status_raw=raw, delivered_quantity=quantities[1] if quantities else Decimal(0),
                         ordered_quantity=quantities[0] if quantities else None,
                         invoice_numbers=tuple(sorted(name for name, _r in own)), outstanding=outstanding,
                         currency=mapping.m2o_name(order.value("currency_id")))
