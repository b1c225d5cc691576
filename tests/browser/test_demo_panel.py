"""The demo CRM page renders the widget like a CRM would; every section shows in a real browser."""
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_panel_renders_every_section_with_hold_banner(live_server, browser_page):
    page = browser_page
    page.goto(f"{live_server}/demo/accounts/ACC-1003")
    expect(page.locator("#account-name")).to_have_text("Café Lumière SARL")
    frame = page.frame_locator("#erp-panel")
    expect(frame.locator("#customer-name")).to_have_text("Café Lumière SARL")
    expect(frame.locator("#glance")).to_contain_text("On hold")
    expect(frame.locator("#glance")).to_contain_text("Held by finance")
    expect(frame.locator("#panel-credit .age time")).to_contain_text("As of just now")
    expect(frame.locator("#panel-credit dl")).to_contain_text("On hold")

    frame.locator("#tab-stock").click()
    expect(frame.locator("#panel-stock")).to_be_visible()
    expect(frame.locator("#panel-stock .stock-item").first).to_contain_text("Widget ⚙️ Standard")
    expect(frame.locator("#panel-credit")).to_be_hidden()

    # keyboard: arrow keys move between tabs (WAI-ARIA tabs pattern)
    frame.locator("#tab-stock").press("ArrowRight")
    expect(frame.locator("#tab-invoices")).to_have_attribute("aria-selected", "true")
    expect(frame.locator("#tab-invoices")).to_be_focused()
    expect(frame.locator("#panel-invoices tbody tr").first).to_contain_text("SINV-")
    frame.locator("#tab-invoices").press("ArrowRight")
    expect(frame.locator("#panel-pricing")).to_contain_text("Price list: Standard Selling")
    assert page.js_errors == []


def test_overdue_invoices_are_highlighted(live_server, browser_page):
    page = browser_page
    page.goto(f"{live_server}/demo/accounts/ACC-1004")
    frame = page.frame_locator("#erp-panel")
    expect(frame.locator("#invoice-count")).to_have_class("count bad")
    expect(frame.locator("#invoice-count")).to_have_attribute("aria-label", re.compile(r"\d+ open, \d+ overdue"))
    expect(frame.locator("#glance")).to_contain_text("overdue")
    frame.locator("#tab-invoices").click()
    expect(frame.locator("#panel-invoices tr.overdue").first).to_contain_text("Overdue")


def test_erp_text_is_escaped(live_server, browser_page):
    page = browser_page
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(f"{live_server}/demo/accounts/ACC-1006")
    frame = page.frame_locator("#erp-panel")
    expect(frame.locator("#customer-name")).to_have_text("<b>Bold</b> & <script>alert(1)</script> Co")
    assert dialogs == []


def test_not_linked_and_stale_states_are_explained(live_server, browser_page, faults, clock):
    page = browser_page
    page.goto(f"{live_server}/demo/accounts/ACC-1008")
    frame = page.frame_locator("#erp-panel")
    expect(frame.locator("#panel-credit .state")).to_contain_text("not linked to an ERP customer")
    expect(frame.locator("#refresh")).to_be_disabled()

    page.goto(f"{live_server}/demo/accounts/ACC-1001")
    frame = page.frame_locator("#erp-panel")
    expect(frame.locator("#customer-name")).to_have_text("Müller & Söhne GmbH")
    faults.down = True
    clock.advance(400)
    frame.locator("#refresh").click()
    expect(frame.locator("#notice")).to_contain_text("The ERP is not answering")
    expect(frame.locator("#panel-credit .age")).to_contain_text("stale")
    expect(frame.locator("#panel-credit .age time")).to_contain_text("7 min ago")


def test_mark_won_shows_the_erp_order_number_on_the_deal(live_server, browser_page, services):
    from app.orders.worker import Worker
    page = browser_page
    page.goto(f"{live_server}/demo/accounts/ACC-1001")
    deal = page.locator('.deal[data-deal="D-2001"]')
    expect(deal.locator(".deal-order")).to_have_text("–")
    deal.locator("button.mark-won").click()                 # signs and sends the won webhook, then 303
    expect(page.locator('.deal[data-deal="D-2001"] .deal-status')).to_have_text("won")
    assert Worker(services, "browser-test").drain() == 1    # creates the order and writes the number back
    # the host page polls the deal and shows the number the worker wrote back
    expect(page.locator('.deal[data-deal="D-2001"] .deal-order')).to_have_text("SO-00001")
    expect(page.locator('.deal[data-deal="D-2001"] .deal-order-status')).to_have_text("Open")
    expect(page.locator('.deal[data-deal="D-2001"] button.mark-won')).to_have_count(0)


def test_a_section_the_erp_did_not_answer_says_so_and_loads_again_by_itself(live_server, browser_page, faults,
                                                                           clock):
    page = browser_page
    faults.down = True                            # the first load of this (cold) account finds the ERP failing
    page.goto(f"{live_server}/demo/accounts/ACC-1002")
    frame = page.frame_locator("#erp-panel")
    expect(frame.locator("#panel-credit .state")).to_have_text("The ERP did not answer; trying again in a few seconds.")
    expect(frame.locator("#panel-credit .state")).to_have_class("state retrying")
    faults.down = False
    clock.advance(2)                              # the server's back-off for that key is over
    # no reload, no click: the widget asked again on its own
    expect(frame.locator("#panel-credit .content")).to_contain_text("Credit limit", timeout=15000)
    expect(frame.locator("#panel-credit .state")).to_be_hidden()
    assert page.js_errors == []


def test_a_rep_sees_credit_as_badges_only(live_server, browser_page, services, demo_tenant):
    """Role-based figures: the demo rep (role Sales) gets credit as badges, never the amounts."""
    settings = services.tenants.get(demo_tenant.id).settings
    settings.figure_policy = {"default": {"credit": "badges", "pricing": "hidden"}}
    services.tenants.save_settings(demo_tenant.id, settings)
    page = browser_page
    page.goto(f"{live_server}/demo/accounts/ACC-1003")
    frame = page.frame_locator("#erp-panel")
    expect(frame.locator("#panel-credit .content .tag.bad").first).to_have_text("Credit hold")
    expect(frame.locator("#panel-credit .state")).to_contain_text("Only the badges")
    expect(frame.locator("#panel-credit")).not_to_contain_text("Credit limit")
    frame.locator("#tab-pricing").click()
    expect(frame.locator("#panel-pricing .state")).to_contain_text("not shown for your CRM role")
    expect(frame.locator("#panel-pricing")).not_to_contain_text("Price list")
    assert page.js_errors == []
