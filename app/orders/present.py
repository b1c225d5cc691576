"""Deal views as plain data for every surface (widget API, HubSpot card, Pipedrive JSON panel).

``readiness_dict`` follows ``app.web.panel.deal_schemas.ReadinessSchema`` (the API documents it); the
HubSpot card and the Pipedrive panel build their own shapes from the same dict.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from app.domain.readiness import Readiness
from app.errors import NotFound


def readiness_dict(readiness: Readiness, now: datetime) -> dict[str, Any]:
    """The readiness of a deal with its age (seconds since it was checked)."""
    return {"crm_deal_id": readiness.crm_deal_id, "state": readiness.state.value, "summary": readiness.summary,
            "checked_at": readiness.checked_at,
            "age_seconds": round(max((now - readiness.checked_at).total_seconds(), 0.0), 1),
            "deal_title": readiness.deal_title, "deal_status": readiness.deal_status,
            "deal_won": readiness.deal_won, "crm_account_id": readiness.crm_account_id,
            "erp_customer_id": readiness.erp_customer_id, "amount": readiness.amount,
            "currency": readiness.currency,
            "lines": [{"sku": f.sku, "name": f.name, "quantity": f.quantity, "deal_price": f.deal_price,
                       "currency": f.currency, "available": f.available, "short": f.short,
                       "customer_price": f.customer_price, "customer_currency": f.customer_currency}
                      for f in readiness.lines],
            "items": [{"severity": i.severity.value, "reason": i.reason, "message": i.message,
                       "owner": i.owner.value if i.owner else None} for i in readiness.items]}


def deal_view(readiness: Any, tenant: Any, crm_deal_id: str, now: datetime,
              shown: Callable[[Readiness], Readiness] = lambda found: found) -> dict[str, Any]:
    """What a CRM surface shows about a deal besides its account's panel: ``{"readiness": ... | None,
    "message": ...}`` (``readiness`` is ``OrderReadiness``; a deal the CRM does not know gives no readiness).
    ``shown`` is the viewer's restriction (role-based figures) applied before anything is presented."""
    try:
        checked = readiness.check(tenant, crm_deal_id)
    except NotFound as exc:
        return {"readiness": None, "message": exc.detail}
    return {"readiness": readiness_dict(shown(checked), now), "message": ""}
