"""The widget opened on a deal shows its order readiness above the account's ERP data, in a real browser."""
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_a_ready_deal_and_a_blocked_deal_in_the_widget(live_server, browser_page):
    page = browser_page
    page.goto(f"{live_server}/demo/accounts/ACC-1001")
    page.locator('.deal[data-deal="D-2008"] a.open-deal').click()
    frame = page.frame_locator("#erp-panel")
    expect(frame.locator("#deal h2")).to_have_text("Order readiness")
    expect(frame.locator("#deal .tag.state-ready")).to_have_text("Ready")
    expect(frame.locator("#customer-name")).to_have_text("Müller & Söhne GmbH")      # the account panel stays

    page.goto(f"{live_server}/demo/accounts/ACC-1008?deal=D-2007")
    frame = page.frame_locator("#erp-panel")
    expect(frame.locator("#deal .tag.state-blocked")).to_have_text("Blocked")
    expect(frame.locator("#deal .deal-items li").first).to_contain_text("Must fix")
    expect(frame.locator("#deal .deal-items li").first).to_contain_text("Link the deal's company")
    expect(frame.locator("#deal .deal-items li .sr-only").first).to_have_text(" Fixed by: admin.")
    assert page.js_errors == []
