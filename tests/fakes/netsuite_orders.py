"""Sales order creation in the NetSuite fake: validation, unique externalId, 204 + Location."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.fakes.http_fake import Reply


def create_sales_order(fake: Any, body: dict[str, Any]) -> Reply:
    from tests.fakes.netsuite import REST, ns_error

    def ref_id(field: str) -> str:
        value = body.get(field)
        return str(value.get("id")) if isinstance(value, dict) else ""

    ext = body.get("externalId")
    if ext and any(o["externalId"] == ext for o in fake.orders):
        return ns_error(400, "USER_ERROR", "Error while accessing a resource. A record with the external ID "
                        f"{ext} already exists.", path="externalId")
    customer = fake.db.execute("SELECT id, entityid, isinactive, currency FROM customer WHERE id = ?",
                               (ref_id("entity") or "0",)).fetchone()
    if customer is None:
        return ns_error(400, "INVALID_CONTENT", "Error while accessing a resource. You have entered an Invalid "
                        f"Field Value {ref_id('entity')} for the following field: entity", path="entity")
    if customer[2] == "T":
        return ns_error(400, "USER_ERROR", "Error while accessing a resource. This customer is inactive.",
                        path="entity")
    if ref_id("currency") != str(customer[3]):
        return ns_error(400, "USER_ERROR", "Error while accessing a resource. The currency is not one of the "
                        "customer's currencies.", path="currency")
    lines = ((body.get("item") or {}).get("items")) or []
    if not lines:
        return ns_error(400, "USER_ERROR", "Error while accessing a resource. You must enter at least one line "
                        "item for this transaction.", path="item")
    total = Decimal(0)
    for n, line in enumerate(lines):
        item_id = str((line.get("item") or {}).get("id") or "")
        if fake.db.execute("SELECT 1 FROM item WHERE id = ?", (item_id or "0",)).fetchone() is None:
            return ns_error(400, "INVALID_CONTENT", "Error while accessing resource: You have entered an Invalid "
                            f"Field Value {item_id} for the following field: item", path=f"item.items[{n}].item")
        total += Decimal(str(line["quantity"])) * Decimal(str(line["rate"]))
    if fake.reject_orders:
        return ns_error(400, "USER_ERROR", fake.reject_orders)
    number = 700 + len(fake.orders)
    symbol = fake.db.execute("SELECT symbol FROM currency WHERE id = ?", (customer[3],)).fetchone()[0]
    fake.orders.append({
        "id": str(number), "tranId": f"SO{number}", "externalId": ext or "", "otherRefNum": body.get("otherRefNum"),
        "entity": {"id": str(customer[0]), "refName": customer[1]}, "currency": {"id": str(customer[3]),
                                                                                "refName": symbol},
        "status": {"id": "B", "refName": "Pending Fulfillment"}, "total": float(round(total, 2)),
        "tranDate": body.get("tranDate"), "lines": lines,
        "links": [{"rel": "self", "href": f"{REST}/record/v1/salesOrder/{number}"}]})
    fake.db.execute('INSERT INTO "transaction" (id, tranid, type, entity, trandate, foreigntotal, status, currency, '
                    "externalid) VALUES (?, ?, 'SalesOrd', ?, ?, ?, 'B', ?, ?)",
                    (number, f"SO{number}", customer[0], body.get("tranDate"), str(total), customer[3], ext))
    return 204, {"Location": f"{REST}/record/v1/salesOrder/{number}"}, ""
