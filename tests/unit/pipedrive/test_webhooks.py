"""Webhooks v2 deliveries: Basic auth per tenant, won detection, handing DealWon to the intake."""
from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest

from app.crm.pipedrive.webhooks import basic_credentials, parse_timestamp, won_event
from app.domain.events import DealWon
from app.errors import BadRequest


def auth_for(pd_services, tenant, *, password=None):
    extra = pd_services.tenants.get_crm_credentials(tenant.id).extra
    raw = f"{extra['webhook_user']}:{password or extra['webhook_password']}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


def deliver(browser, tenant, payload, headers):
    return browser.post(f"/pipedrive/webhooks/{tenant.id}", json=payload, headers=headers)


def test_open_to_won_becomes_deal_won(installed, browser, fake, pd_services, intake):
    payload = fake.webhook_payload(42, event_id="evt-1")
    response = deliver(browser, installed, payload, auth_for(pd_services, installed))
    assert response.status_code == 200 and response.get_json()["status"] == "accepted"
    [event] = intake.events
    assert event == DealWon(tenant_id=installed.id, crm_deal_id="42", event_id="evt-1",
                            occurred_at=datetime(2026, 11, 23, 12, 0, tzinfo=UTC), crm="pipedrive")


def test_integer_ids_are_accepted(installed, browser, fake, pd_services, intake):
    payload = fake.webhook_payload(42, string_ids=False)
    assert deliver(browser, installed, payload, auth_for(pd_services, installed)).status_code == 200
    assert intake.events[0].crm_deal_id == "42"


@pytest.mark.parametrize("status,previous", [("won", {"status": "won"}), ("won", {"title": "renamed"}),
                                             ("lost", {"status": "open"}), ("open", {"status": "won"})])
def test_changes_that_are_not_a_new_win_are_ignored(installed, browser, fake, pd_services, intake, status, previous):
    payload = fake.webhook_payload(42, status=status, previous=previous)
    response = deliver(browser, installed, payload, auth_for(pd_services, installed))
    assert response.status_code == 200 and response.get_json()["status"] == "ignored"
    assert intake.events == []


def test_won_to_open_or_lost_is_handed_on_as_left_won(installed, browser, fake, pd_services, intake):
    for status in ("open", "lost"):
        payload = fake.webhook_payload(42, status=status, previous={"status": "won"})
        assert deliver(browser, installed, payload, auth_for(pd_services, installed)).status_code == 200
    assert [(e.crm_deal_id, e.status, e.crm) for e in intake.left] == [("42", "open", "pipedrive"),
                                                                      ("42", "lost", "pipedrive")]
    assert intake.events == []


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Basic " + base64.b64encode(b"x:y").decode()},
                                     {"Authorization": "Bearer abc"}, {"Authorization": "Basic !!!"}])
def test_bad_credentials_get_401_and_nothing_is_stored(installed, browser, fake, intake, headers):
    response = deliver(browser, installed, fake.webhook_payload(42), headers)
    assert response.status_code == 401 and intake.events == []


def test_wrong_password_gets_401(installed, browser, fake, pd_services, intake):
    headers = auth_for(pd_services, installed, password="guessed-" + "x" * 30)
    assert deliver(browser, installed, fake.webhook_payload(42), headers).status_code == 401
    assert intake.events == []


def test_another_tenants_credentials_do_not_work(installed, browser, fake, pd_services, intake):
    other = pd_services.tenants.upsert_tenant("pipedrive", "555", "Other")
    pd_services.tenants.save_crm_credentials(other.id, access_token="a", refresh_token="r", expires_at=None,
                                             api_domain="https://other.pipedrive.com",
                                             extra={"webhook_user": "u", "webhook_password": "p" * 32})
    response = deliver(browser, other, fake.webhook_payload(42), auth_for(pd_services, installed))
    assert response.status_code == 401 and intake.events == []


def test_unknown_tenant_is_401(installed, browser, fake, pd_services, intake):
    response = browser.post("/pipedrive/webhooks/not-a-tenant", json=fake.webhook_payload(42),
                            headers=auth_for(pd_services, installed))
    assert response.status_code == 401


def test_delivery_for_another_company_is_rejected(installed, browser, fake, pd_services, intake):
    payload = fake.webhook_payload(42, company_id=99999)
    assert deliver(browser, installed, payload, auth_for(pd_services, installed)).status_code == 400
    assert intake.events == []


def test_uninstalled_tenant_gets_401(installed, browser, fake, pd_services, intake):
    headers = auth_for(pd_services, installed)
    pd_services.tenants.mark_uninstalled(installed.id)
    assert deliver(browser, installed, fake.webhook_payload(42), headers).status_code == 401


def test_won_event_unit_rules():
    now = datetime(2026, 1, 1, tzinfo=UTC)
    base = {"meta": {"action": "change", "entity": "deal", "id": "e", "company_id": 1, "timestamp": 1760000000},
            "data": {"id": "5", "status": "won"}, "previous": {"status": "lost"}}
    event = won_event(base, tenant_id="t", installation_id="1", now=now)
    assert event.crm_deal_id == "5" and event.occurred_at == datetime.fromtimestamp(1760000000, tz=UTC)
    assert won_event({**base, "meta": {**base["meta"], "entity": "person"}}, tenant_id="t", installation_id="1",
                     now=now) is None
    assert won_event({**base, "data": None}, tenant_id="t", installation_id="1", now=now) is None
    with pytest.raises(BadRequest):
        won_event({"nope": 1}, tenant_id="t", installation_id="1", now=now)
    with pytest.raises(BadRequest):
        won_event({**base, "meta": {**base["meta"], "id": ""}}, tenant_id="t", installation_id="1", now=now)


def test_timestamp_forms():
    fallback = datetime(2020, 1, 1, tzinfo=UTC)
    assert parse_timestamp("2025-10-01T10:00:00.000Z", fallback) == datetime(2025, 10, 1, 10, tzinfo=UTC)
    assert parse_timestamp("1760000000000", fallback) == datetime.fromtimestamp(1760000000, tz=UTC)
    assert parse_timestamp("garbage", fallback) == fallback


def test_basic_credentials_parsing():
    assert basic_credentials("Basic " + base64.b64encode(b"a:b:c").decode()) == ("a", "b:c")
    assert basic_credentials("Basic " + base64.b64encode(b"nocolon").decode()) == ("", "")
