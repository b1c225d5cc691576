"""NetSuite: where sales orders stand after creation, for many orders in one SuiteQL query.

The sales order's ``status`` letter (``SalesOrd:A``..``H``: A Pending Approval, B Pending Fulfillment,
C Cancelled, D Partially Fulfilled, E Pending Billing/Partially Fulfilled, F Pending Billing, G Billed,
H Closed; https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_N3432117.html) gives
delivery and billing; its invoices come in the same query through ``previoustransactionlink``
(``previousdoc`` = the order, ``nextdoc`` = the invoice), with ``foreignamountunpaid`` for what is
still owed. One row per invoice (one row without invoice columns for an order not billed yet).
SuiteQL: https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_157909186990.html.
Not confirmed against a real account: ``previoustransactionlink`` and its columns (third-party
sources); the status letters follow Oracle's list of transaction statuses.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from app.domain.progress import OrderProgress, stage_of
from app.erp.fields import VendorRecord
from app.erp.netsuite.queries import in_list

VENDOR = "NetSuite"
#: keys per query (SuiteQL text has a length limit)
BATCH = 200
PARTLY, FULL = frozenset("DE"), frozenset("FG")


def progress_query(keys: Sequence[str]) -> str:
    """The orders with these external ids, each joined to its invoices."""
    return (
        "SELECT so.externalid AS externalid, so.tranid AS tranid, so.status AS status, cur.symbol AS currency, "
        "inv.tranid AS invoice, NVL(inv.foreignamountunpaid, 0) AS unpaid "
        "FROM transaction so LEFT JOIN currency cur ON cur.id = so.currency "
        "LEFT JOIN previoustransactionlink ptl ON ptl.previousdoc = so.id "
        "LEFT JOIN transaction inv ON inv.id = ptl.nextdoc AND inv.type = 'CustInvc' "
        f"WHERE so.type = 'SalesOrd' AND so.externalid IN {in_list(keys)} ORDER BY so.id, inv.tranid")


def read_progress(suiteql: Callable[[str], list[dict[str, Any]]], keys: Sequence[str]) -> dict[str, OrderProgress]:
    """Progress of the orders carrying these external ids (see the module docstring)."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for start in range(0, len(keys), BATCH):
        for row in suiteql(progress_query(keys[start:start + BATCH])):
            grouped.setdefault(str(VendorRecord(row, VENDOR, "sales order").text("externalid")), []).append(row)
    return {key: _progress(key, rows) for key, rows in grouped.items()}


def _progress(key: str, rows: list[dict[str, Any]]) -> OrderProgress:
    order = VendorRecord(rows[0], VENDOR, "sales order")
    code = order.text("status").rpartition(":")[2][:1].upper()
    # SuiteQL leaves out NULL columns: a row without ``invoice`` is the order without invoices
    invoices = {str(r["invoice"]): VendorRecord(r, VENDOR, "invoice").amount("unpaid") for r in rows if r.get("invoice")}
    outstanding = sum(invoices.values(), Decimal(0)) if invoices else None
    stage = stage_of(cancelled=code == "C",
                     delivered="full" if code in FULL else ("partly" if code in PARTLY else "none"),
                     invoiced=code == "G", paid=outstanding == 0)
    return OrderProgress(idempotency_key=key, order_number=order.text("tranid"), stage=stage, status_raw=code,
                         invoice_numbers=tuple(sorted(invoices)), outstanding=outstanding,
                         currency=str(rows[0].get("currency") or ""))
