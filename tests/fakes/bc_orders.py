"""Deep insert of a sales order in the Business Central fake: all or nothing, 201 + entity."""
from __future__ import annotations

from typing import Any

from tests.fakes import bc_odata


def create_sales_order(fake: Any, body: dict[str, Any]):
    from tests.fakes.businesscentral import bc_error
    from tests.fakes.http_fake import json_reply

    customer = next((c for c in fake.data["customers"] if c["number"] == body.get("customerNumber")), None)
    if customer is None:
        return bc_error(400, "BadRequest_NotFound", 'The "customerNumber" does not match to a Customer.')
    if customer["blocked"] == "All":
        return bc_error(400, "Application_DialogException", f"You cannot create this type of document when Customer "
                        f"{customer['number']} is blocked with type All")
    ext = str(body.get("externalDocumentNumber") or "")
    if len(ext) > 35:
        return bc_error(400, "Application_StringExceededLength", "The length of the string is 36, but it must be "
                        "less than or equal to 35 characters. Value: " + ext)
    if body.get("currencyCode") not in (customer["currencyCode"], None):
        return bc_error(400, "Application_DialogException", "Currency Code must be equal to "
                        f"'{customer['currencyCode']}' in Sales Header.")
    lines = []
    for n, line in enumerate(body.get("salesOrderLines") or [], start=1):
        item = next((i for i in fake.data["items"] if i["number"] == line.get("lineObjectNumber")), None)
        if line.get("lineType") != "Item" or item is None:
            return bc_error(400, "Application_DialogException", "Item does not exist.")
        lines.append({"id": bc_odata.guid(), "sequence": n * 10000, "lineType": "Item", "lineObjectNumber":
                      item["number"], "quantity": line["quantity"], "shippedQuantity": 0.0, "invoicedQuantity": 0.0,
                      "unitPrice": line.get("unitPrice", item["unitPrice"]),
                      "discountPercent": line.get("discountPercent", 0.0)})
    order = {"id": bc_odata.guid(), "number": f"S-ORD{101001 + len(fake.data['salesOrders'])}",
             "externalDocumentNumber": ext, "customerNumber": customer["number"], "status": "Draft",
             "fullyShipped": False, "currencyCode": customer["currencyCode"], "orderDate": body.get("orderDate"),
             "_lines": lines, "_etag": fake.etag()}
    fake.add_order(order)
    shown = {"@odata.etag": order["_etag"], **{k: v for k, v in order.items() if not k.startswith("_")}}
    return json_reply(201, shown, {"Location": f"{fake_url(order)}"})


def fake_url(order: dict[str, Any]) -> str:
    from tests.fakes.businesscentral import API, BASE, COMPANY_ID
    return f"{API}{BASE}/companies({COMPANY_ID})/salesOrders({order['id']})"
