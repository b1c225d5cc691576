"""Demo CRM: Mark won -> signed webhook -> intake -> worker -> order number on the deal."""
from __future__ import annotations

import hashlib
import json

from app.crm.demo import signing
from app.crm.demo.seed import DEMO_COMPANY
from app.crm.demo.webhook import SIGNATURE_HEADER, build_won_webhook
from app.orders.tables import order_inbox, order_jobs
from tests.fakes.demo import demo
from tests.fakes.orders import count_rows, deal_row, drain


def test_mark_won_shows_the_order_number_on_the_deal(client, services, clock):
    page = client.get("/demo/accounts/ACC-1001")
    assert b'action="/demo/deals/D-2001/won"' in page.data
    response = client.post("/demo/deals/D-2001/won", data={"back": "/demo/accounts/ACC-1001"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/demo/accounts/ACC-1001")
    assert count_rows(services, order_jobs) == 1
    deals = client.get("/demo/accounts/ACC-1001/deals.json").get_json()["deals"]
    assert next(d for d in deals if d["id"] == "D-2001")["status"] == "won"
    drain(services, clock)
    deals = client.get("/demo/accounts/ACC-1001/deals.json").get_json()["deals"]
    won = next(d for d in deals if d["id"] == "D-2001")
    assert won["erp_order_number"].startswith("SO-") and won["erp_order_status"] == "Open"


def test_mark_won_refuses_cross_site_posts(client, services):
    response = client.post("/demo/deals/D-2001/won", headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 403
    assert count_rows(services, order_jobs) == 0


def test_mark_won_unknown_deal_is_404(client):
    assert client.post("/demo/deals/D-0000/won").status_code == 404


def test_webhook_with_bad_or_missing_signature_is_401_and_stores_nothing(client, services):
    body, headers = build_won_webhook(demo(services).store, DEMO_COMPANY, "D-2001")
    tampered = body.replace(b"D-2001", b"D-2002")
    assert client.post("/webhooks/demo", data=tampered, headers=headers).status_code == 401
    assert client.post("/webhooks/demo", data=body).status_code == 401
    bad = dict(headers, **{SIGNATURE_HEADER: headers[SIGNATURE_HEADER][:-4] + "AAAA"})
    response = client.post("/webhooks/demo", data=body, headers=bad)
    assert response.status_code == 401 and response.mimetype == "application/problem+json"
    assert count_rows(services, order_inbox) == 0 and count_rows(services, order_jobs) == 0


def test_webhook_outside_the_time_window_is_401(client, services, clock):
    body, headers = build_won_webhook(demo(services).store, DEMO_COMPANY, "D-2001")
    clock.advance(301)
    assert client.post("/webhooks/demo", data=body, headers=headers).status_code == 401
    assert count_rows(services, order_inbox) == 0


def test_webhook_duplicate_delivery_is_acknowledged_without_a_new_job(client, services):
    body, headers = build_won_webhook(demo(services).store, DEMO_COMPANY, "D-2001", event_id="e1")
    first = client.post("/webhooks/demo", data=body, headers=headers)
    again = client.post("/webhooks/demo", data=body, headers=headers)
    assert (first.status_code, first.get_json()["status"]) == (202, "accepted")
    assert (again.status_code, again.get_json()["status"]) == (200, "duplicate_event")
    assert deal_row(services, "D-2001")["status"] == "open"   # the webhook itself never touches the deal


def test_webhook_event_without_an_id_is_a_400_problem_and_stores_nothing(client, services):
    body = json.dumps({"event": "deal.won", "company": DEMO_COMPANY, "deal_id": "D-2001", "event_id": "",
                       "occurred_at": services.clock.now().isoformat()}).encode()
    signature = signing.sign({"body_sha256": hashlib.sha256(body).hexdigest()}, demo(services).store.key,
                             services.clock)
    response = client.post("/webhooks/demo", data=body, headers={SIGNATURE_HEADER: signature})
    assert response.status_code == 400 and response.get_json()["reason"] == "invalid_event"
    assert count_rows(services, order_inbox) == 0


def test_dead_letters_and_intake_outcomes_are_exported_as_metrics(client, services, clock):
    client.post("/demo/deals/D-2007/won")                  # account without ERP link -> dead letter
    drain(services, clock)
    metrics = client.get("/metrics").get_data(as_text=True)
    assert 'erp_panel_order_jobs_total{kind="create_order",outcome="dead"}' in metrics
    assert 'erp_panel_won_events_total{status="accepted"}' in metrics
