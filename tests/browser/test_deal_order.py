"""The widget opened on a won deal shows the deal's ERP order and its timeline, in a real browser."""
import pytest
from playwright.sync_api import expect

from app.crm.demo.seed import DEMO_COMPANY
from tests.fakes.order_status import advance, one_poll
from tests.fakes.orders import drain, won_event

pytestmark = pytest.mark.browser


def test_the_order_timeline_of_a_won_deal(app, clock, live_server, browser_page):
    services = app.extensions["erp_panel"]
    tenant = services.tenants.find("demo", DEMO_COMPANY)
    services.orders.intake.accept(won_event(services, tenant, "D-2008"))
    drain(services, clock)
    one_poll(services, clock)
    advance(services, tenant, "D-2008", "deliver")
    one_poll(services, clock)

    page = browser_page
    page.goto(f"{live_server}/demo/accounts/ACC-1001?deal=D-2008")
    frame = page.frame_locator("#erp-panel")
    expect(frame.locator("#deal-order h2")).to_contain_text("ERP order SO-")
    expect(frame.locator("#deal-order .deal-head .tag")).to_have_text("Delivered")
    expect(frame.locator("#deal-order .order-timeline li .tag")).to_have_text(["Confirmed", "Delivered"])
    assert page.js_errors == []
