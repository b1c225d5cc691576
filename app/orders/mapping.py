"""Maps a won deal to the canonical OrderRequest through the tenant's field mapping.

``TenantSettings.field_mapping`` maps an order field to where its value comes from:

* order fields: ``title``, ``order_date``, ``delivery_date`` (ISO dates), anything
  else lands in ``OrderRequest.extra`` (connectors pass extras to custom ERP fields);
* sources: ``deal.title`` / ``deal.id`` / ``deal.currency`` / ``deal.status``,
  ``account.name`` / ``account.id``, ``field:<crm field key>`` (a deal custom field,
  e.g. a Pipedrive field hash or HubSpot property), ``literal:<text>``.

Without a mapping the order title is the deal title. Unknown sources are errors
(the admin should see a typo, not an empty field on every order).
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from app.domain.deal import Deal
from app.domain.order import OrderLine, OrderRequest
from app.domain.readiness import Owner
from app.orders.validate import Problem

DATE_FIELDS = ("order_date", "delivery_date")


class MappingError(ValueError):
    def __init__(self, problem: Problem):
        super().__init__(problem.message)
        self.problem = problem


def source_value(deal: Deal, source: str) -> str:
    """The value of one mapping source on this deal ("" when the field is empty)."""
    account = deal.account
    simple = {"deal.title": deal.title, "deal.id": deal.crm_deal_id, "deal.currency": deal.currency,
              "deal.status": deal.status, "account.name": account.name if account else "",
              "account.id": account.crm_account_id if account else ""}
    if source in simple:
        return simple[source] or ""
    if source.startswith("field:"):
        return str(deal.custom_fields.get(source[len("field:"):], "") or "")
    if source.startswith("literal:"):
        return source[len("literal:"):]
    raise MappingError(Problem("invalid_field_mapping", f"The field mapping uses an unknown source '{source}'; "
                                                        "fix it on the settings page.", owner=Owner.ADMIN,
                               fix=f"Fix the order field mapping: '{source}' is not a source erp-panel knows (an "
                                   "admin, on the erp-panel settings page)."))


def _date(field_name: str, value: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        label = field_name.replace("_", " ")
        raise MappingError(Problem("invalid_field_value", f"The deal's {label} '{value}' is not a date (YYYY-MM-DD).",
                                   fix=f"Enter the deal's {label} as a date (YYYY-MM-DD) instead of '{value}' "
                                       "(the sales rep).")) from None


def build_request(deal: Deal, *, customer_id: str, currency: str, idempotency_key: str, correlation_id: str,
                  field_mapping: dict[str, str], extra: dict[str, str] | None = None) -> OrderRequest:
    """The OrderRequest for this deal (lines in deal order, discounts kept)."""
    mapping = {"title": "deal.title", **(field_mapping or {})}
    values = {target: source_value(deal, source) for target, source in mapping.items()}
    extras = dict(extra or {})
    extras.update({k: v for k, v in values.items() if k not in ("title", *DATE_FIELDS)})
    lines = tuple(OrderLine(item_code=line.sku, quantity=Decimal(line.quantity), unit_price=Decimal(line.unit_price),
                            description=line.name, discount_percent=Decimal(line.discount_percent))
                  for line in deal.lines)
    return OrderRequest(customer_id=customer_id, currency=currency, lines=lines, idempotency_key=idempotency_key,
                        crm_deal_id=deal.crm_deal_id, title=values.get("title", ""),
                        order_date=_date("order_date", values.get("order_date", "")),
                        delivery_date=_date("delivery_date", values.get("delivery_date", "")),
                        correlation_id=correlation_id, extra=extras)


def request_summary(request: OrderRequest) -> dict[str, Any]:
    """Plain JSON of an OrderRequest (shadow mode records it; no secrets in it)."""
    return {"customer_id": request.customer_id, "currency": request.currency, "idempotency_key": request.idempotency_key,
            "crm_deal_id": request.crm_deal_id, "title": request.title,
            "order_date": request.order_date.isoformat() if request.order_date else None,
            "delivery_date": request.delivery_date.isoformat() if request.delivery_date else None,
            "total": str(request.total), "extra": dict(request.extra),
            "lines": [{"item_code": ln.item_code, "quantity": str(ln.quantity), "unit_price": str(ln.unit_price),
                       "discount_percent": str(ln.discount_percent)} for ln in request.lines]}
