"""The admin settings page in a real browser: demo login cookie, CSP-clean page, a save round trip."""
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_demo_admin_opens_settings_and_saves_a_status_text(live_server, browser_page, services, demo_tenant):
    page = browser_page
    csp_violations: list[str] = []
    page.on("console", lambda msg: csp_violations.append(msg.text) if "Content Security Policy" in msg.text
            else None)
    page.goto(f"{live_server}/demo/accounts/ACC-1001")
    page.get_by_role("button", name="Settings (admin)").click()
    expect(page.locator("h1")).to_have_text("Settings for Demo Company")
    # the stylesheet loaded (CSP allows it) and the page has no inline script or style problems
    expect(page.locator("section#erp")).to_have_css("border-radius", "6px")

    page.get_by_role("button", name="Test connection").click()
    expect(page.locator(".check-result")).to_contain_text("The connection works.")

    page.fill("#status-open", "Auftrag offen")
    page.get_by_role("button", name="Save order behaviour").click()
    expect(page.locator(".notice")).to_have_text("Order behaviour was saved.")
    assert services.tenants.get(demo_tenant.id).settings.translate_status("open") == "Auftrag offen"

    page.get_by_role("button", name="Sign out").click()
    expect(page.locator("h1")).to_have_text("Signed out")
    page.goto(f"{live_server}/admin/settings")
    expect(page.locator("h1")).to_have_text("The settings could not be shown")
    assert csp_violations == [] and page.js_errors == []
