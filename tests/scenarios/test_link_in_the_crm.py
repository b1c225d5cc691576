"""The link's copy in the CRM: written to the account field when an admin links, picked up when a link is made
in the CRM field (card opened, company-changed webhook)."""
from __future__ import annotations

from app.crm.demo.integration import DemoIntegration
from app.crm.demo.seed import DEMO_COMPANY
from tests.fakes.hubspot_fixtures import *  # noqa: F403  (HubSpot fixtures)
from tests.fakes.hubspot_fixtures import post_card, post_signed
from tests.scenarios.admin_support import page_text, post_form, sign_in, sign_in_demo_admin


def test_linking_on_the_page_writes_the_id_into_the_demo_account(client, services, demo_tenant):
    sign_in_demo_admin(client)
    assert post_form(client, "/admin/settings/links", {"crm_account_id": "ACC-1008",
                                                       "erp_customer_id": "CUST-0003"}).status_code == 303
    demo = services.crm.of_kind(DemoIntegration)
    assert demo.store.get_account(DEMO_COMPANY, "ACC-1008").erp_customer_id == "CUST-0003"


def test_linking_writes_the_hubspot_company_property(client, services, hs_linked, fake_hubspot):
    fake_hubspot.add_company("202", "Café Lumière SARL")
    sign_in(client, services, hs_linked.id)
    assert post_form(client, "/admin/settings/links", {"crm_account_id": "202",
                                                       "erp_customer_id": "CUST-0004"}).status_code == 303
    assert fake_hubspot.companies["202"]["properties"]["erp_customer_id"] == "CUST-0004"


def test_a_missing_hubspot_property_is_a_sentence_and_the_link_is_kept(client, services, hs_linked, fake_hubspot):
    fake_hubspot.add_company("202", "Café Lumière SARL")
    fake_hubspot.company_properties.discard("erp_customer_id")
    sign_in(client, services, hs_linked.id)
    page = post_form(client, "/admin/settings/links", {"crm_account_id": "202", "erp_customer_id": "CUST-0004"})
    assert page.status_code == 200
    assert "The link is saved, but the ERP customer id could not be written to the HubSpot account" in page_text(page)
    assert "create it (single-line text)" in page_text(page)
    assert services.tenants.erp_customer_for(hs_linked.id, "202") == "CUST-0004"


def test_a_link_made_in_the_hubspot_property_is_picked_up_when_the_card_opens(client, services, hs_linked,
                                                                              fake_hubspot, clock):
    fake_hubspot.add_company("203", "Nordic Fjord Handel AB", erp_customer_id="CUST-0005")
    card = post_card(client, clock, "/api/v1/hubspot/card", {"objectTypeId": "0-2", "objectId": 203})
    assert card.status_code == 200, card.json
    assert services.tenants.erp_customer_for(hs_linked.id, "203") == "CUST-0005"
    assert card.json["panel"]["sections"]["credit"]["state"] == "ok"


def test_a_company_changed_webhook_picks_the_link_up(client, services, hs_linked, fake_hubspot, clock):
    event = {"eventId": 77, "subscriptionId": 26, "portalId": fake_hubspot.portal_id, "appId": 54321,
             "occurredAt": int(clock.timestamp() * 1000), "subscriptionType": "company.propertyChange",
             "attemptNumber": 0, "objectId": 201, "propertyName": "erp_customer_id", "propertyValue": "CUST-0006",
             "changeSource": "CRM"}
    other = dict(event, eventId=78, propertyName="name", propertyValue="Renamed")
    response = post_signed(client, clock, "/api/v1/hubspot/webhooks", [event, other])
    assert response.status_code == 200, response.data
    assert services.tenants.erp_customer_for(hs_linked.id, "201") == "CUST-0006"
