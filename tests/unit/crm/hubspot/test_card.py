"""The app card's data endpoint: signed, tenant from the portal id HubSpot put in the signed URL,
company or deal's company, capped."""
from __future__ import annotations

import pytest

from app.crm.hubspot.cards import cap_rows
from tests.fakes.hubspot_fixtures import post_card

CARD = "/api/v1/hubspot/card"
REFRESH = "/api/v1/hubspot/card/refresh"


@pytest.fixture
def linked(hs_linked, fake_hubspot):
    """ERP connection (sandbox) + company 201 linked to CUST-0002 + deal 501 on that company."""
    fake_hubspot.add_deal("501", company_id="201")
    fake_hubspot.add_deal("502")
    return hs_linked


def body(object_type="0-2", object_id=201):
    """What the card code posts: the record only (the portal comes from HubSpot's proxy)."""
    return {"objectTypeId": object_type, "objectId": object_id}


def test_company_card_has_four_sections_with_ages(client, linked, clock):
    response = post_card(client, clock, CARD, body())
    assert response.status_code == 200, response.json
    card = response.json
    assert (card["object_type"], card["company_id"]) == ("company", "201")
    panel = card["panel"]
    assert panel["erp_customer_id"] == "CUST-0002" and panel["customer_name"] == "Acme Corporation"
    assert set(panel["sections"]) == {"credit", "stock", "invoices", "pricing"}
    assert all(s["state"] == "ok" and s["age_seconds"] == 0 for s in panel["sections"].values())
    clock.advance(30)
    again = post_card(client, clock, CARD, body()).json["panel"]["sections"]
    assert again["credit"]["age_seconds"] == 30                       # served from cache, with its age


def test_deal_card_shows_the_associated_company(client, linked, fake_hubspot, clock):
    first = post_card(client, clock, CARD, body("0-3", 501)).json
    assert (first["object_type"], first["company_id"]) == ("deal", "201")
    assert first["panel"]["erp_customer_id"] == "CUST-0002"
    post_card(client, clock, CARD, body("0-3", 501))
    assert fake_hubspot.calls.count(("GET", "/crm/v3/objects/deals/501/associations/companies")) == 1


def test_deal_without_company_says_what_to_do(client, linked, clock):
    card = post_card(client, clock, CARD, body("0-3", 502)).json
    assert card["panel"] is None and card["reason"] == "no_company" and "Associate a company" in card["message"]


def test_association_outage_degrades_to_a_message(client, linked, fake_hubspot, clock):
    fake_hubspot.fail_next("GET", "/crm/v3/objects/deals/501/associations", 503, times=3)
    response = post_card(client, clock, CARD, body("0-3", 501))
    assert response.status_code == 200 and response.json["reason"] == "crm_unavailable"


def test_unlinked_company_shows_not_linked(client, linked, clock):
    card = post_card(client, clock, CARD, body(object_id=999)).json
    assert {s["state"] for s in card["panel"]["sections"].values()} == {"not_linked"}


def test_not_installed_portal_is_forbidden(client, linked, clock):
    response = post_card(client, clock, CARD, body(), portal=424242)
    assert response.status_code == 403 and response.json["reason"] == "not_installed"


def test_uninstalled_tenant_is_forbidden(client, services, linked, clock):
    services.tenants.mark_uninstalled(linked.id)
    assert post_card(client, clock, CARD, body()).status_code == 403


def test_unsigned_or_stale_card_requests_are_refused(client, linked, clock):
    assert client.post(CARD, json=body()).status_code == 401
    assert post_card(client, clock, CARD, body(), skew_ms=-301_000).json["reason"] == "signature_expired"


@pytest.mark.parametrize("payload, status", [
    (body(object_type="0-1"), 400),                        # contacts are not supported
    ({"objectTypeId": "0-2"}, 422),
    ({**body(), "portalId": "62515; drop"}, 422),
])
def test_bad_card_requests(client, linked, clock, payload, status):
    response = post_card(client, clock, CARD, payload)
    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/problem+json"


def test_refresh_rereads_the_erp_and_is_rate_limited(client, linked, clock):
    post_card(client, clock, CARD, body())
    clock.advance(45)
    fresh = post_card(client, clock, REFRESH, body())
    assert fresh.status_code == 200
    assert fresh.json["panel"]["sections"]["credit"]["age_seconds"] == 0
    again = post_card(client, clock, REFRESH, body())
    assert again.status_code == 429 and again.json["reason"] == "refresh_rate_limited"


def test_long_sections_are_capped_for_the_1mb_limit():
    panel = {"sections": {"stock": {"data": list(range(60))}, "credit": {"data": {"x": 1}}}}
    assert cap_rows(panel) == {"stock": 60} and len(panel["sections"]["stock"]["data"]) == 25
