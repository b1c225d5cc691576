"""The Pipedrive fields page: pick or create the custom fields, stored in TenantSettings.crm_fields."""
from __future__ import annotations

from app.crm.pipedrive.fields import CREATE
from app.crm.pipedrive.mapping import (
    FIELD_ERP_CUSTOMER,
    FIELD_FAILURE_REASON,
    FIELD_ORDER_NUMBER,
    FIELD_ORDER_STATUS,
)
from tests.fakes.browser_client import submit_form
from tests.fakes.pipedrive import field_key
from tests.fakes.pipedrive_fixtures import https_client

SAME_ORIGIN = {"Origin": "https://erp-panel.test", "Sec-Fetch-Site": "same-origin"}


def test_page_needs_an_admin_session(pd_app, installed):
    response = https_client(pd_app).get("/pipedrive/settings/fields")
    assert response.status_code == 401 and "Open erp-panel from Pipedrive" in response.get_data(as_text=True)


def test_page_lists_text_fields_of_the_company(installed, browser, fake):
    fake.add_text_field("deal", "Legacy order no")
    response = browser.get("/pipedrive/settings/fields")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Legacy order no" in html
    assert "Title" not in html  # system fields are not offered


def test_create_missing_fields(installed, browser, fake, pd_services):
    form = {FIELD_ERP_CUSTOMER: CREATE, FIELD_ORDER_NUMBER: CREATE, FIELD_ORDER_STATUS: CREATE,
            FIELD_FAILURE_REASON: CREATE}
    response = submit_form(browser, "/pipedrive/settings/fields", form, headers=SAME_ORIGIN)
    assert response.status_code == 200 and "Saved." in response.get_data(as_text=True)
    saved = pd_services.tenants.get(installed.id).settings.crm_fields
    assert saved == {FIELD_ERP_CUSTOMER: field_key("ERP customer ID"), FIELD_ORDER_NUMBER: field_key("ERP order #"),
                     FIELD_ORDER_STATUS: field_key("ERP order status"),
                     FIELD_FAILURE_REASON: field_key("ERP order problem")}
    assert ("POST", "/v1/dealFields") in fake.calls and ("POST", "/v1/organizationFields") in fake.calls
    # doing it again reuses the fields instead of creating duplicates
    submit_form(browser, "/pipedrive/settings/fields", form, headers=SAME_ORIGIN)
    assert [f["name"] for f in fake.company.fields["deal"]].count("ERP order #") == 1


def test_choose_existing_field_and_leave_one_unused(installed, browser, fake, pd_services):
    key = fake.add_text_field("deal", "SAP order")
    response = submit_form(browser, "/pipedrive/settings/fields", {FIELD_ORDER_NUMBER: key}, headers=SAME_ORIGIN)
    assert response.status_code == 200
    assert pd_services.tenants.get(installed.id).settings.crm_fields == {FIELD_ORDER_NUMBER: key}


def test_unknown_field_key_is_refused(installed, browser, pd_services):
    response = submit_form(browser, "/pipedrive/settings/fields", {FIELD_ORDER_NUMBER: "f" * 40},
                           headers=SAME_ORIGIN)
    assert response.status_code == 400 and "not a text field" in response.get_data(as_text=True)
    assert pd_services.tenants.get(installed.id).settings.crm_fields == {}


def test_cross_site_post_is_refused(installed, browser, pd_services):
    response = browser.post("/pipedrive/settings/fields", data={FIELD_ORDER_NUMBER: CREATE},
                            headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 403
    assert pd_services.tenants.get(installed.id).settings.crm_fields == {}


def test_pipedrive_outage_shows_a_sentence(installed, browser, fake):
    fake.fail_next("GET", "/v1/dealFields", 503)
    response = browser.get("/pipedrive/settings/fields")
    assert response.status_code == 502 and "try again" in response.get_data(as_text=True)


def test_admin_links_point_to_the_fields_page(installed, pd_services):
    integration = pd_services.crm.get("pipedrive")
    assert [(link.label, link.href) for link in integration.settings_links(installed)] == [
        ("Pipedrive fields (ERP customer ID, order number, status)", "/pipedrive/settings/fields")]
