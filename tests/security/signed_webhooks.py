"""Deliver any body to the three webhook receivers with a VALID signature/credential, as each CRM would."""
from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import UTC, datetime

from app.crm.demo import signing
from app.crm.demo.webhook import SIGNATURE_HEADER
from tests.fakes.demo import demo
from tests.fakes.hubspot import PORTAL_ID, signed_headers
from tests.security.conftest import PUBLIC

PIPEDRIVE_COMPANY = "13370"
WHEN = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def demo_template(deal_id="D-2001") -> dict:
    return {"event": "deal.won", "company": "demo-company", "deal_id": deal_id, "event_id": "evt-1",
            "occurred_at": WHEN.isoformat()}


def pipedrive_template(deal_id=42) -> dict:
    return {"meta": {"action": "change", "entity": "deal", "entity_id": deal_id, "id": "evt-1",
                     "company_id": PIPEDRIVE_COMPANY, "timestamp": "2026-11-23T12:00:00.000Z", "version": "2.0"},
            "data": {"id": deal_id, "status": "won", "org_id": 7, "custom_fields": {}},
            "previous": {"status": "open"}}


def hubspot_template(deal_id=501) -> list:
    return [{"eventId": 1, "subscriptionId": 25, "portalId": PORTAL_ID, "appId": 54321,
             "occurredAt": int(WHEN.timestamp() * 1000), "subscriptionType": "deal.propertyChange",
             "attemptNumber": 0, "objectId": deal_id, "propertyName": "dealstage", "propertyValue": "closedwon",
             "changeSource": "CRM"}]


class SignedSender:
    """Posts raw bodies to /webhooks/demo, /pipedrive/webhooks/<tenant> and /api/v1/hubspot/webhooks."""

    def __init__(self, client, services, clock):
        self.client, self.services, self.clock = client, services, clock
        self.pipedrive_tenant = services.tenants.upsert_tenant("pipedrive", PIPEDRIVE_COMPANY, "Hostile GmbH")
        self.pipedrive_auth = ("hook-" + secrets.token_hex(4), secrets.token_urlsafe(24))
        services.tenants.save_crm_credentials(
            self.pipedrive_tenant.id, access_token="a", refresh_token="r", expires_at=None,
            api_domain="https://hostile.pipedrive.com",
            extra={"webhook_user": self.pipedrive_auth[0], "webhook_password": self.pipedrive_auth[1]})

    def send(self, kind: str, body: bytes, **kwargs):
        path, headers = getattr(self, f"_{kind}")(body)
        return self.client.post(path, data=body, headers={"Content-Type": "application/json", **headers}, **kwargs)

    def _demo(self, body: bytes):
        crm = demo(self.services).store
        claims = {"body_sha256": hashlib.sha256(body).hexdigest()}
        return "/webhooks/demo", {SIGNATURE_HEADER: signing.sign(claims, crm.key, crm.clock)}

    def _pipedrive(self, body: bytes):
        user, password = self.pipedrive_auth
        basic = base64.b64encode(f"{user}:{password}".encode()).decode()
        return f"/pipedrive/webhooks/{self.pipedrive_tenant.id}", {"Authorization": f"Basic {basic}"}

    def _hubspot(self, body: bytes):
        path = "/api/v1/hubspot/webhooks"
        return path, signed_headers("POST", PUBLIC + path, body, int(self.clock.timestamp() * 1000))


TEMPLATES = {"demo": demo_template, "pipedrive": pipedrive_template, "hubspot": hubspot_template}
