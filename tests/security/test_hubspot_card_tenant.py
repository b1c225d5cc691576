"""The HubSpot card's tenant comes from the portalId HubSpot's fetch proxy put in the signed URL,
never from the JSON body that browser-side card code composes."""
from __future__ import annotations

import json

import pytest

from tests.fakes.hubspot import PORTAL_ID, signed_headers
from tests.fakes.hubspot_fixtures import PUBLIC, post_card, post_signed, proxy_query

CARD = "/api/v1/hubspot/card"
RECORD = {"objectTypeId": "0-2", "objectId": 201}


@pytest.fixture
def other_portal(services):
    """A second installed HubSpot account: the one a forged body would like to read."""
    other = services.tenants.upsert_tenant("hubspot", "424242", "Other Inc")
    services.tenants.link_account(other.id, "201", "CUST-0001")
    return other


def test_the_card_reads_the_portal_of_the_signed_url(client, hs_linked, clock):
    response = post_card(client, clock, CARD, RECORD)
    assert response.status_code == 200 and response.json["panel"]["erp_customer_id"] == "CUST-0002"


def test_a_body_naming_another_portal_is_refused(client, hs_linked, other_portal, clock):
    other = post_card(client, clock, CARD, {**RECORD, "portalId": 424242})
    assert other.status_code == 403 and other.json["reason"] == "portal_mismatch"
    assert other.headers["Content-Type"] == "application/problem+json"
    # older card builds still sending their own (matching) portalId keep working
    assert post_card(client, clock, CARD, {**RECORD, "portalId": PORTAL_ID}).status_code == 200


def test_without_the_proxys_portal_no_tenant_is_chosen_whatever_the_body_says(client, hs_linked, clock):
    no_query = post_signed(client, clock, CARD, {**RECORD, "portalId": PORTAL_ID})
    assert no_query.status_code == 422 and no_query.headers["Content-Type"] == "application/problem+json"


def test_swapping_the_urls_portal_after_signing_breaks_the_signature(client, hs_linked, other_portal, clock):
    raw = json.dumps(RECORD).encode()
    headers = signed_headers("POST", f"{PUBLIC}{CARD}?{proxy_query(PORTAL_ID)}", raw, int(clock.timestamp() * 1000))
    forged = client.post(f"{CARD}?{proxy_query(424242)}", data=raw, headers=headers)
    assert forged.status_code == 401 and forged.json["reason"] == "signature_mismatch"


def test_two_portal_ids_in_the_url_are_refused(client, hs_linked, other_portal, clock):
    twice = post_signed(client, clock, f"{CARD}?{proxy_query(PORTAL_ID)}&portalId=424242", RECORD)
    assert twice.status_code == 400 and twice.json["reason"] == "ambiguous_portal"
