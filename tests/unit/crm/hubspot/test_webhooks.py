"""Won-deal webhooks: stage ids from the pipelines API, batches, signatures, hand-off to the intake."""
from __future__ import annotations

import json

import pytest

from app.crm.hubspot.signature import sign_v1
from tests.fakes.hubspot import CLIENT_SECRET, PORTAL_ID, signed_headers
from tests.fakes.hubspot_fixtures import PUBLIC, post_signed

PATH = "/api/v1/hubspot/webhooks"


def event(deal_id, stage, *, event_id=100, portal=PORTAL_ID, occurred=1_795_000_000_000, kind="deal.propertyChange",
          prop="dealstage"):
    return {"eventId": event_id, "subscriptionId": 25, "portalId": portal, "appId": 54321, "occurredAt": occurred,
            "subscriptionType": kind, "attemptNumber": 0, "objectId": int(deal_id), "propertyName": prop,
            "propertyValue": stage, "changeSource": "CRM"}


def test_won_stage_becomes_deal_won(client, hs_tenant, intake, fake_hubspot, clock):
    response = post_signed(client, clock, PATH, [event("501", "closedwon")])
    assert response.status_code == 200, response.json
    assert response.json == {"accepted": 1, "duplicates": 0, "ignored": {}}
    [won] = intake.events
    assert (won.tenant_id, won.crm_deal_id, won.crm) == (hs_tenant.id, "501", "hubspot")
    assert won.event_id == "100:501:1795000000000"
    assert int(won.occurred_at.timestamp() * 1000) == 1_795_000_000_000


def test_non_won_and_other_events_are_ignored(client, hs_tenant, intake, fake_hubspot, clock):
    batch = [event("501", "contractsent"), event("502", "closedlost"),
             event("503", "x", prop="amount"), event("504", "closedwon", kind="contact.propertyChange")]
    response = post_signed(client, clock, PATH, batch)
    assert response.status_code == 200
    assert response.json["ignored"] == {"not_a_won_stage": 2, "not_a_deal_stage_change": 2}
    assert intake.events == []
    # another stage may mean "no longer won": handed on, checked only for deals whose order exists
    assert [(e.crm_deal_id, e.status) for e in intake.left] == [("501", "contractsent"), ("502", "closedlost")]


def test_custom_pipeline_numeric_stage_id_counts_as_won(client, hs_tenant, intake, fake_hubspot, clock):
    response = post_signed(client, clock, PATH, [event("601", "1234567"), event("602", "1234568")])
    assert response.json["accepted"] == 1 and [e.crm_deal_id for e in intake.events] == ["601"]


def test_new_platform_object_events_are_understood(client, hs_tenant, intake, fake_hubspot, clock):
    new_style = {**event("701", "closedwon", kind="object.propertyChange"), "objectTypeId": "0-3"}
    assert post_signed(client, clock, PATH, [new_style]).json["accepted"] == 1


def test_stages_are_cached_and_reread_for_an_unknown_stage(client, hs_tenant, intake, fake_hubspot, clock):
    post_signed(client, clock, PATH, [event("501", "closedwon")])
    post_signed(client, clock, PATH, [event("502", "closedwon", event_id=101)])
    reads = lambda: fake_hubspot.calls.count(("GET", "/crm/v3/pipelines/deals"))  # noqa: E731
    assert reads() == 1
    fake_hubspot.pipelines["results"][0]["stages"].append(
        {"id": "555", "label": "Won (new)", "metadata": {"isClosed": "true", "probability": "1.0"}})
    assert post_signed(client, clock, PATH, [event("503", "555")]).json["accepted"] == 1
    assert reads() == 2


def test_duplicate_deliveries_and_reused_event_ids(client, hs_tenant, intake, fake_hubspot, clock):
    batch = [event("501", "closedwon", event_id=7), event("501", "closedwon", event_id=7),
             event("502", "closedwon", event_id=7)]                     # eventId is not unique in HubSpot
    response = post_signed(client, clock, PATH, batch)
    assert response.json == {"accepted": 2, "duplicates": 1, "ignored": {}}
    by_deal = {e.crm_deal_id: e.event_id for e in intake.events}
    assert by_deal["501"] != by_deal["502"]          # same HubSpot eventId, different intake ids


def test_batch_of_100_is_accepted_and_101_refused(client, hs_tenant, intake, fake_hubspot, clock):
    batch = [event(str(1000 + n), "closedwon", event_id=n) for n in range(100)]
    assert post_signed(client, clock, PATH, batch).json["accepted"] == 100
    too_big = post_signed(client, clock, PATH, batch + [event("2000", "closedwon")])
    assert too_big.status_code == 400 and too_big.json["reason"] == "batch_too_large"


def test_unknown_portal_is_ignored(client, hs_tenant, intake, fake_hubspot, clock):
    response = post_signed(client, clock, PATH, [event("501", "closedwon", portal=999)])
    assert response.status_code == 200 and response.json["ignored"] == {"not_installed": 1}
    assert intake.events == []


@pytest.mark.parametrize("kwargs, reason", [
    ({"skew_ms": -300_001}, "signature_expired"),
    ({"skew_ms": 300_001}, "timestamp_in_future"),
    ({"secret": "not-the-app-secret"}, "signature_mismatch"),
    ({"uri": "http://internal-host:8000" + PATH}, "signature_mismatch"),       # Host header is not trusted
])
def test_signature_failures_store_nothing(client, hs_tenant, intake, fake_hubspot, clock, kwargs, reason):
    response = post_signed(client, clock, PATH, [event("501", "closedwon")], **kwargs)
    assert response.status_code == 401 and response.json["reason"] == reason
    assert intake.events == []


def test_tampered_body_is_refused(client, hs_tenant, intake, fake_hubspot, clock):
    body = json.dumps([event("501", "contractsent")]).encode()
    headers = signed_headers("POST", PUBLIC + PATH, body, int(clock.timestamp() * 1000))
    response = client.post(PATH, data=body.replace(b"contractsent", b"closedwon"), headers=headers)
    assert response.status_code == 401 and intake.events == []


def test_unsigned_request_is_refused(client, hs_tenant, intake):
    response = client.post(PATH, json=[event("501", "closedwon")])
    assert response.status_code == 401 and response.json["reason"] == "signature_missing"
    assert intake.events == []


def test_pipelines_outage_answers_503_so_hubspot_retries(client, hs_tenant, intake, fake_hubspot, clock):
    fake_hubspot.fail_next("GET", "/crm/v3/pipelines/deals", 503, times=3)
    response = post_signed(client, clock, PATH, [event("501", "closedwon")])
    assert response.status_code == 503 and response.headers["Retry-After"] == "60"
    assert intake.events == []
    assert post_signed(client, clock, PATH, [event("501", "closedwon")]).json["accepted"] == 1


def test_malformed_dealstage_event_is_a_bad_request(client, hs_tenant, intake, clock):
    broken = event("501", "closedwon")
    del broken["occurredAt"]
    response = post_signed(client, clock, PATH, [broken])
    assert response.status_code == 400 and response.json["reason"] == "bad_webhook_payload"


def test_v1_only_webhooks_need_the_operator_opt_in(client, services, hs_tenant, intake, fake_hubspot):
    body = json.dumps([event("501", "closedwon")]).encode()
    headers = {"X-HubSpot-Signature": sign_v1(CLIENT_SECRET, body), "X-HubSpot-Signature-Version": "v1",
               "Content-Type": "application/json"}
    assert client.post(PATH, data=body, headers=headers).status_code == 401
    services.crm.get("hubspot").accept_v1_webhooks = True
    assert client.post(PATH, data=body, headers=headers).json["accepted"] == 1
    # the opt-in is for webhooks only: the card endpoint still demands v3
    card = client.post("/api/v1/hubspot/card", data=b"{}", headers=headers)
    assert card.status_code == 401


def test_unexpected_shapes_in_other_events_never_refuse_the_batch(client, hs_tenant, intake, fake_hubspot, clock):
    odd = {"eventId": "evt-abc", "portalId": PORTAL_ID, "subscriptionType": "company.propertyChange",
           "objectId": "x", "occurredAt": "later", "extra": {"nested": [1, 2]}}
    response = post_signed(client, clock, PATH, [odd, event("501", "closedwon")])
    assert response.status_code == 200 and response.json["accepted"] == 1
