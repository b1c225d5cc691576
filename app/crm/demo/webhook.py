"""Won-deal webhooks of the demo CRM: how it signs them and how erp-panel verifies them.

Shaped like a real CRM webhook: a JSON body, and a signature header that binds
the SHA-256 of the exact raw body and a timestamp (HMAC with the DemoCRM key via
``signing``; +/- 5 minutes, constant-time compare). The tenant comes from the
company inside the verified body, never from the URL.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from datetime import datetime

from app.crm.demo import signing
from app.crm.demo.connector import DemoCRM
from app.domain.events import DealLeftWon, DealWon
from app.errors import Unauthorized
from app.tenants.store import TenantStore

DEMO = "demo"
SIGNATURE_HEADER = "X-Demo-Signature"
WON_EVENT = "deal.won"
UPDATED_EVENT = "deal.updated"


def build_won_webhook(crm: DemoCRM, company: str, deal_id: str,
                      event_id: str | None = None, *, status: str = "won") -> tuple[bytes, dict[str, str]]:
    """(raw body, headers) the demo CRM sends when a deal is marked won (``deal.won``), or when its status
    changes to another one (``deal.updated`` with the new ``status``)."""
    event = WON_EVENT if status == "won" else UPDATED_EVENT
    body = json.dumps({"event": event, "company": company, "deal_id": deal_id, "status": status,
                       "event_id": event_id or uuid.uuid4().hex,
                       "occurred_at": crm.clock.now().isoformat()}, separators=(",", ":")).encode()
    signature = signing.sign({"body_sha256": hashlib.sha256(body).hexdigest()}, crm.key, crm.clock)
    return body, {SIGNATURE_HEADER: signature, "Content-Type": "application/json"}


def verify_won_webhook(crm: DemoCRM, tenants: TenantStore, body: bytes,
                       signature: str) -> DealWon | DealLeftWon | None:
    """The DealWon for a verified won delivery, a DealLeftWon for a change to another status, None for
    another verified event.

    Raises Unauthorized (nothing may be stored) when the signature, timestamp, body hash or tenant
    does not check out.
    """
    claims = signing.verify(signature or "", [crm.key], crm.clock)
    expected = str(claims.get("body_sha256", ""))
    if not hmac.compare_digest(expected.encode(), hashlib.sha256(body).hexdigest().encode()):
        raise Unauthorized("demo webhook rejected: body does not match the signature", reason="invalid_signature")
    try:
        payload = json.loads(body)
        company, deal_id, event_id = str(payload["company"]), str(payload["deal_id"]), str(payload["event_id"])
        occurred_at = datetime.fromisoformat(payload["occurred_at"])
    except (ValueError, KeyError, TypeError):
        raise Unauthorized("demo webhook rejected: malformed body", reason="malformed_webhook") from None
    tenant = tenants.find(DEMO, company)
    if tenant is None or not tenant.active:
        raise Unauthorized("demo webhook rejected: erp-panel is not installed for this company",
                           reason="not_installed")
    if payload.get("event") == UPDATED_EVENT and str(payload.get("status") or "won") != "won":
        return DealLeftWon(tenant_id=tenant.id, crm_deal_id=deal_id, status=str(payload.get("status") or ""),
                           crm=DEMO)
    if payload.get("event") != WON_EVENT:
        return None
    return DealWon(tenant_id=tenant.id, crm_deal_id=deal_id, event_id=event_id, occurred_at=occurred_at, crm=DEMO)
