"""Pipedrive payloads -> domain objects, and write-backs -> Pipedrive request bodies.

Deal (API v2, https://pipedrive.readme.io/docs/pipedrive-api-v2-migration-guide): custom
fields live in ``custom_fields`` keyed by the field's 40-char hash key; ids may
arrive as numbers or strings. Deal products (``GET /api/v2/deals/{id}/products``,
fields as in pipedrive/client-php docs/Model/NewDealProduct.md): ``product_id``,
``name``, ``item_price``, ``quantity``, ``discount`` + ``discount_type``
(``percentage`` | ``amount``), ``enabled_flag``. The SKU is the product's
``code`` (``GET /api/v2/products/{id}``), else the Pipedrive product id.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from app.crm.base import WriteBack
from app.domain.deal import Account, Deal, DealLine

#: TenantSettings.crm_fields keys this integration uses
FIELD_ERP_CUSTOMER = "erp_customer_id"      # organization field
FIELD_ORDER_NUMBER = "order_number"         # deal field
FIELD_ORDER_STATUS = "order_status"         # deal field
FIELD_FAILURE_REASON = "failure_reason"     # deal field
FIELD_DELIVERY_STATUS = "delivery_status"   # deal field (optional: the order's deliveries)
FIELD_INVOICE_STATUS = "invoice_status"     # deal field (optional: the order's invoices, what is owed)
DEAL_FIELDS = (FIELD_ORDER_NUMBER, FIELD_ORDER_STATUS, FIELD_FAILURE_REASON, FIELD_DELIVERY_STATUS,
               FIELD_INVOICE_STATUS)
#: Pipedrive custom-field text values are capped; keep write-backs short
MAX_TEXT = 255


def plain_id(value: Any) -> str | None:
    """Pipedrive ids come as ints, strings, or (v1) objects ``{"value": 7, ...}``."""
    if isinstance(value, dict):
        value = value.get("value", value.get("id"))
    if value is None or value == "" or isinstance(value, bool):
        return None
    return str(value).strip() or None


def _decimal(value: Any, default: str = "0") -> Decimal:
    try:
        return Decimal(str(value)) if value is not None and value != "" else Decimal(default)
    except (InvalidOperation, ValueError):
        return Decimal(default)


def decimal_or_none(value: Any) -> Decimal | None:
    """A number Pipedrive may leave empty (None then, never zero)."""
    return None if value is None or value == "" else _decimal(value)


def custom_value(record: dict, key: str | None) -> str | None:
    """A custom field's value from a v2 record (``custom_fields``) or a v1 record (top-level key)."""
    if not key:
        return None
    fields = record.get("custom_fields") or {}
    value = fields.get(key) if isinstance(fields, dict) and key in fields else record.get(key)
    if isinstance(value, dict):  # e.g. monetary/option fields: {"value": .., ...}
        value = value.get("value")
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def deal_line(item: dict, sku_by_product: dict[str, str], currency: str) -> DealLine:
    quantity = _decimal(item.get("quantity"), "1")
    price = _decimal(item.get("item_price"))
    discount = _decimal(item.get("discount"))
    percent = Decimal("0")
    if discount:
        if (item.get("discount_type") or "percentage") == "percentage":
            percent = discount
        elif quantity and price:
            # an absolute discount on the line total, expressed as a percentage for the ERP
            percent = (discount / (quantity * price) * Decimal(100)).quantize(Decimal("0.0001"))
    product_id = plain_id(item.get("product_id"))
    sku = sku_by_product.get(product_id or "", "") or (product_id or "")
    return DealLine(sku=sku, name=str(item.get("name") or sku), quantity=quantity, unit_price=price,
                    currency=str(item.get("currency") or currency), discount_percent=percent)


def to_deal(deal: dict, products: list[dict], sku_by_product: dict[str, str], account: Account | None,
            crm_fields: dict[str, str]) -> Deal:
    """The domain Deal from the v2 deal, its enabled products and its organization."""
    currency = str(deal.get("currency") or "")
    lines = tuple(deal_line(p, sku_by_product, currency) for p in products if p.get("enabled_flag", True))
    status = str(deal.get("status") or "")
    custom = {name: custom_value(deal, crm_fields.get(name)) or "" for name in DEAL_FIELDS
              if crm_fields.get(name)}
    return Deal(crm_deal_id=str(plain_id(deal.get("id")) or ""), title=str(deal.get("title") or ""),
                status=status, currency=currency, value=_decimal(deal.get("value")), account=account,
                lines=lines, is_won=status == "won", custom_fields=custom)


def to_account(org: dict, crm_fields: dict[str, str]) -> Account:
    return Account(crm_account_id=str(plain_id(org.get("id")) or ""), name=str(org.get("name") or ""),
                   erp_customer_id=custom_value(org, crm_fields.get(FIELD_ERP_CUSTOMER)))


def write_back_body(update: WriteBack, crm_fields: dict[str, str]) -> dict[str, Any]:
    """``PATCH /api/v2/deals/{id}`` body: ``{"custom_fields": {<hash>: value}}`` for the configured fields.

    Values are sent as strings (v2 does not coerce types; the fields are text fields).
    An empty failure reason clears a previous one; unconfigured fields are skipped.
    """
    values = {FIELD_ORDER_NUMBER: update.order_number, FIELD_ORDER_STATUS: update.status_text,
              FIELD_FAILURE_REASON: update.failure_reason, FIELD_DELIVERY_STATUS: update.delivery_status,
              FIELD_INVOICE_STATUS: update.invoice_status}
    custom: dict[str, Any] = {}
    for name, value in values.items():
        key = crm_fields.get(name)
        if not key:
            continue
        if name in (FIELD_DELIVERY_STATUS, FIELD_INVOICE_STATUS) and value is None:
            continue  # not part of this update (e.g. the order number right after the create)
        if name == FIELD_ORDER_NUMBER and value is None:
            continue  # never erase an order number we wrote earlier
        custom[key] = (str(value)[:MAX_TEXT] if value not in (None, "") else None)
    return {"custom_fields": custom}
