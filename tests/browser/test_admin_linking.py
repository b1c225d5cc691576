"""Account linking on the settings page in Chromium: search, link, health, error queue - and axe-core finds no
serious or critical accessibility violation on the settings pages."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.axe import serious_violations

pytestmark = pytest.mark.browser


def open_settings(page, live_server) -> None:
    page.goto(f"{live_server}/demo/accounts/ACC-1001")
    page.get_by_role("button", name="Settings (admin)").click()
    expect(page.locator("h1")).to_have_text("Settings for Demo Company")


def test_search_link_and_health_in_the_browser(live_server, browser_page, services, demo_tenant):
    page = browser_page
    open_settings(page, live_server)
    links = page.locator("section#links")
    expect(links.locator("tr.link-gone")).to_contain_text("Customer gone")          # the demo's Ghost Customer
    expect(links.locator("tr.link-gone")).to_contain_text("The ERP no longer knows customer CUST-9999")
    assert serious_violations(page) == []

    page.fill("#customer_name", "Mueller")
    page.fill("#for_account", "ACC-1008")
    page.get_by_role("button", name="Search the ERP").click()
    results = page.locator("table.customer-matches")
    expect(results).to_contain_text("Müller & Söhne GmbH")
    expect(results).to_contain_text("strong match")
    assert serious_violations(page) == []
    results.get_by_role("button", name="Link").first.click()
    expect(page.locator(".notice")).to_have_text("The account link was saved.")
    assert services.tenants.erp_customer_for(demo_tenant.id, "ACC-1008") == "CUST-0001"

    page.fill("#crm_account_id", "ACC-1010")
    page.fill("#erp_customer_id", "CUST-NOPE")
    page.get_by_role("button", name="Add link").click()
    expect(page.locator("section#links .field-error")).to_contain_text(
        "The ERP has no customer with the id 'CUST-NOPE'.")
    assert serious_violations(page) == [] and page.js_errors == []
    page.goto(f"{live_server}/admin/operations")               # the other admin page of the installation
    expect(page.locator("h1")).to_be_visible()
    assert serious_violations(page) == []


def test_replay_waits_for_the_credit_hold_in_the_browser(live_server, browser_page, services, clock, demo_tenant):
    from tests.fakes.orders import drain
    page = browser_page
    page.goto(f"{live_server}/demo/accounts/ACC-1003")
    page.request.post(f"{live_server}/demo/deals/D-2003/won", headers={"Origin": live_server})
    drain(services, clock)
    open_settings(page, live_server)
    errors = page.locator("section#errors")
    expect(errors).to_contain_text("Finance must release the credit hold of ERP customer CUST-0004")
    expect(errors.get_by_role("button", name="Replay the event of deal D-2003 (blocked until the fix above is made)")
           ).to_be_disabled()
    assert serious_violations(page) == []
