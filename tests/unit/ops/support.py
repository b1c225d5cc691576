"""Helpers for the operations tests: metric samples, a fake SMTP server, alert contacts, order jobs."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timedelta

from prometheus_client import REGISTRY

from app.ops.contacts import AlertContacts
from app.orders.tables import order_jobs, order_records


def sample(name: str, **labels: str) -> float:
    """A metric's current value in this process's registry (0 when it has no such series yet)."""
    return REGISTRY.get_sample_value(name, labels) or 0.0


@dataclass
class FakeSMTP:
    """Records what an SMTP session was asked to do; ``fail`` makes sending raise like a refused server."""

    fail: BaseException | None = None
    sessions: list[dict] = field(default_factory=list)
    sent: list = field(default_factory=list)

    def connect(self, config):
        session = {"host": config.host, "port": config.port, "timeout": config.timeout, "quit": False}
        self.sessions.append(session)
        outer = self

        class Session:
            def send_message(self, message):
                if outer.fail is not None:
                    raise outer.fail
                outer.sent.append(message)

            def quit(self):
                session["quit"] = True
        return Session()


def smtp_settings(**overrides) -> dict:
    return {"smtp_host": "smtp.example.com", "smtp_port": 587, "smtp_from": "alerts@erp-panel.test", **overrides}


WEBHOOK = "https://hooks.example.com/erp-panel"
SLACK = "https://hooks.slack.com/services/T000/B000/XXXXXXXX"


def save_contacts(services, tenant, **channels) -> AlertContacts:
    """Store alert contacts for a tenant (owner 'Dana Ops' unless given)."""
    contacts = AlertContacts(tenant.id, channels.pop("owner_name", "Dana Ops"), **channels)
    services.ops.contacts.save(contacts)
    return contacts


def payloads(mock, url: str) -> list[dict]:
    """JSON bodies posted to ``url`` (a responses mock)."""
    return [json.loads(call.request.body) for call in mock.calls if call.request.url == url]


def failing_job(services, tenant, deal_id: str, *, reason: str = "unknown_sku", status: str = "dead",
                value: str | None = "12400.00", currency: str | None = "EUR", age_seconds: float = 60) -> None:
    """An order job that failed recently, and its deal's order record with the deal's value."""
    now = services.clock.now()
    when = now - timedelta(seconds=age_seconds)
    with services.db.write() as conn:
        conn.execute(order_jobs.insert().values(
            tenant_id=tenant.id, kind="create_order", crm_deal_id=deal_id, event_id=f"e-{deal_id}",
            correlation_id="c" * 32, status=status, attempts=1, max_attempts=15, run_after=when,
            last_error_reason=reason, last_error="failed", created_at=when, updated_at=when))
        conn.execute(order_records.insert().values(
            tenant_id=tenant.id, crm_deal_id=deal_id, idempotency_key="k" * 32, state="failed",
            credit_flagged=False, deal_value=value, deal_currency=currency, correlation_id="c" * 32,
            created_at=when, updated_at=when))
