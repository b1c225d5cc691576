"""HubSpot CRM v3 payloads -> domain objects (Deal, DealLine, Account) and won-stage ids.

Shapes: https://developers.hubspot.com/docs/api/crm/deals (``GET /crm/v3/objects/deals/{id}
?properties=..&associations=companies,line_items`` -> ``{id, properties{...}, associations{
companies{results[{id,type}]}, "line items"|line_items{results[...]}}}``); line-item properties
https://developers.hubspot.com/docs/api/crm/line-items (``name, hs_sku, quantity, price, amount,
hs_product_id, currency``); pipelines https://developers.hubspot.com/docs/api-reference/crm-pipelines-v3/guide
(stage ``metadata`` values are *strings*: ``{"isClosed": "true", "probability": "1.0"}`` - the
key names are confirmed by HubSpot API fixtures in public integrations; the v1 API used
ISCLOSED/PROBABILITY columns). Property values arrive as strings or null.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from app.domain.deal import Account, Deal, DealLine

DEAL_PROPERTIES = ("dealname", "dealstage", "pipeline", "amount", "deal_currency_code")
LINE_ITEM_PROPERTIES = ("name", "hs_sku", "quantity", "price", "amount", "currency", "hs_product_id",
                        "hs_discount_percentage")
#: the deal properties we create on install and write back to
ORDER_PROPERTIES = {
    "erp_order_number": "ERP order number",
    "erp_order_status": "ERP order status",
    "erp_failure_reason": "ERP order failure reason",
    "erp_delivery_status": "ERP delivery status",
    "erp_invoice_status": "ERP invoice status",
}
#: tenant-settings ``crm_fields`` keys -> the deal property each one names
ORDER_FIELD_KEYS = {"order_number": "erp_order_number", "order_status": "erp_order_status",
                    "failure_reason": "erp_failure_reason", "delivery_status": "erp_delivery_status",
                    "invoice_status": "erp_invoice_status"}


def _decimal(value: Any, default: str = "0") -> Decimal:
    try:
        return Decimal(str(value)) if value not in (None, "") else Decimal(default)
    except InvalidOperation:
        return Decimal(default)


def association_ids(obj: dict, to_type: str) -> list[str]:
    """Ids of associated records; HubSpot has used both ``line_items`` and ``line items`` keys."""
    assoc = obj.get("associations") or {}
    block = assoc.get(to_type) or assoc.get(to_type.replace("_", " ")) or {}
    seen: list[str] = []
    for item in block.get("results", []):
        value = str(item.get("id") or item.get("toObjectId") or "")
        if value and value not in seen:
            seen.append(value)
    return seen


def line_from_hubspot(item: dict, deal_currency: str) -> DealLine:
    """A line item; the SKU falls back to the product id when no SKU is set."""
    props = item.get("properties") or {}
    sku = props.get("hs_sku") or (f"hubspot-product-{props['hs_product_id']}" if props.get("hs_product_id") else "")
    return DealLine(sku=str(sku), name=str(props.get("name") or sku), quantity=_decimal(props.get("quantity"), "1"),
                    unit_price=_decimal(props.get("price")), currency=str(props.get("currency") or deal_currency),
                    discount_percent=_decimal(props.get("hs_discount_percentage")))


#: company properties read besides the ERP id property (https://knowledge.hubspot.com/properties/hubspot-crm-default-company-properties)
COMPANY_PROPERTIES = "name,domain,address,city,country"


def account_from_hubspot(company: dict, erp_property: str) -> Account:
    """A company; its ERP customer id comes from the configured company property."""
    props = company.get("properties") or {}
    erp_id = str(props.get(erp_property) or "").strip() or None

    def text(name: str) -> str:
        return str(props.get(name) or "")
    return Account(crm_account_id=str(company["id"]), name=text("name"), erp_customer_id=erp_id,
                   domain=text("domain"), address=text("address"), city=text("city"), country=text("country"))


def deal_from_hubspot(deal: dict, lines: list[dict], company: dict | None, *, won_stage_ids: set[str],
                      erp_property: str) -> Deal:
    """Assemble the domain Deal from the deal, its line items and its (primary) company."""
    props = deal.get("properties") or {}
    currency = str(props.get("deal_currency_code") or "")
    domain_lines = tuple(line_from_hubspot(item, currency) for item in lines)
    value = (_decimal(props.get("amount")) if props.get("amount") not in (None, "")
             else sum((ln.quantity * ln.unit_price for ln in domain_lines), Decimal(0)))
    stage = str(props.get("dealstage") or "")
    is_won = stage in won_stage_ids
    return Deal(crm_deal_id=str(deal["id"]), title=str(props.get("dealname") or ""), status=stage,
                currency=currency, value=value,
                account=account_from_hubspot(company, erp_property) if company else None,
                lines=domain_lines, is_won=is_won,
                custom_fields={k: str(props.get(k) or "") for k in ORDER_PROPERTIES})


def won_stage_ids(pipelines: dict) -> set[str]:
    """Stage ids that mean "closed won" in any deal pipeline: closed with probability 1.0."""
    won: set[str] = set()
    for pipeline in pipelines.get("results", []):
        for stage in pipeline.get("stages", []):
            meta = stage.get("metadata") or {}
            closed = str(meta.get("isClosed", "")).lower() == "true"
            if closed and _decimal(meta.get("probability"), "0") == Decimal(1) and not stage.get("archived"):
                won.add(str(stage["id"]))
    return won


def property_definition(name: str, label: str) -> dict:
    """Body for ``POST /crm/v3/properties/deals`` (``type`` and ``fieldType`` are both required)."""
    return {"name": name, "label": label, "type": "string", "fieldType": "text", "groupName": "dealinformation",
            "description": "Written by erp-panel when the won deal becomes an ERP sales order."}
