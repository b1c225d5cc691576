"""ERPNext: where sales orders stand after creation, for many orders in two list requests.

One ``GET /api/resource/Sales Order`` filtered by ``po_no in [...]`` returns each order's ``status``,
``docstatus`` (2 = cancelled), ``per_delivered`` and ``per_billed`` (percentages ERPNext keeps up to
date as delivery notes and invoices are submitted; fields of the Sales Order DocType,
https://github.com/frappe/erpnext/blob/version-15/erpnext/selling/doctype/sales_order/sales_order.json).
Invoices live apart: only when an order has been billed, one ``GET /api/resource/Sales Invoice``
filtered on its child table (``["Sales Invoice Item", "sales_order", "in", [...]]``, a child-table
filter of ``frappe.get_list``, https://docs.frappe.io/framework/user/en/api/rest) returns the invoice
numbers and their ``outstanding_amount``.
"""
from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from app.domain.progress import OrderProgress, stage_of
from app.erp.erpnext import mapping
from app.erp.erpnext.client import FrappeClient

#: keys per list request (the filter travels in the query string)
BATCH = 100
ORDER_FIELDS = ["name", "po_no", "status", "docstatus", "per_delivered", "per_billed", "total_qty", "grand_total",
                "currency"]
#: a child-table column is selected as `tab<Child DocType>`.<field> and comes back as <field>
INVOICE_FIELDS = ["name", "outstanding_amount", "`tabSales Invoice Item`.sales_order"]


def read_progress(client: FrappeClient, key_field: str, keys: Sequence[str]) -> dict[str, OrderProgress]:
    """Progress of the submitted or cancelled Sales Orders carrying these keys (see the module docstring)."""
    fields = ORDER_FIELDS if key_field in ORDER_FIELDS else [*ORDER_FIELDS, key_field]
    orders: list[dict] = []
    for start in range(0, len(keys), BATCH):
        orders += client.get_list("Sales Order", fields=fields, order_by="creation asc",
                                  filters=[[key_field, "in", list(keys[start:start + BATCH])], ["docstatus", ">", 0]])
    billed = [mapping.record(o, "Sales Order").text("name") for o in orders
              if mapping.record(o, "Sales Order").amount("per_billed") > 0]
    invoices: dict[str, dict[str, Decimal]] = {}
    for start in range(0, len(billed), BATCH):
        for row in client.get_list("Sales Invoice", fields=INVOICE_FIELDS, filters=[
                ["Sales Invoice Item", "sales_order", "in", billed[start:start + BATCH]], ["docstatus", "=", 1]]):
            invoice = mapping.record(row, "Sales Invoice")
            # one row per invoice line: the same invoice repeats for each of the order's lines
            invoices.setdefault(invoice.text("sales_order"), {})[invoice.text("name")] = \
                invoice.amount("outstanding_amount")
    found: dict[str, OrderProgress] = {}
    for row in orders:
        progress = _progress(row, key_field, invoices)
        if progress.idempotency_key not in found or row.get("docstatus") != 2:
            found[progress.idempotency_key] = progress
    return found


def _progress(row: dict, key_field: str, invoices: dict[str, dict[str, Decimal]]) -> OrderProgress:
    order = mapping.record(row, "Sales Order")
    delivered_pct, billed_pct = order.amount("per_delivered"), order.amount("per_billed")
    total_qty = order.amount("total_qty")
    own = invoices.get(order.text("name"), {})
    outstanding = sum(own.values(), Decimal(0)) if own else None
    stage = stage_of(cancelled=order.amount("docstatus") == 2,
                     delivered="full" if delivered_pct >= 100 else ("partly" if delivered_pct > 0 else "none"),
                     invoiced=billed_pct >= 100, paid=outstanding == 0)
    return OrderProgress(idempotency_key=order.text(key_field), order_number=order.text("name"), stage=stage,
                         status_raw=order.text("status"), delivered_quantity=total_qty * delivered_pct / 100,
                         ordered_quantity=total_qty, invoice_numbers=tuple(sorted(own)), outstanding=outstanding,
                         currency=order.text("currency"))
