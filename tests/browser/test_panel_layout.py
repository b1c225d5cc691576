"""The widget at CRM sidebar widths: no horizontal overflow, the glance line, outages, accessibility (axe-core)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

#: (name, viewport width, mobile): Pipedrive and HubSpot sidebars, a wide tab, a phone
WIDTHS = [("320", 320, False), ("350", 350, False), ("400", 400, False), ("900", 900, False), ("375-mobile", 375, True)]
TABS = ("credit", "stock", "invoices", "pricing")

#: every element's right edge inside the viewport, and no horizontal scrolling of the page
OVERFLOW_JS = """() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  for (const node of document.querySelectorAll('body *')) {
    const box = node.getBoundingClientRect();
    if (box.width && box.height && box.right > width + 0.5 && !node.closest('.sr-only')) {
      out.push(node.tagName + (node.id ? '#' + node.id : '') + '.' + node.className + ' ' + Math.round(box.right));
    }
  }
  return {scroll: document.documentElement.scrollWidth, width, out: out.slice(0, 5)};
}"""


def screenshot_dir(tmp_path: Path) -> Path:
    """Where screenshots go: ERP_PANEL_SCREENSHOTS (CI keeps them), else the test's temporary directory."""
    folder = Path(os.environ.get("ERP_PANEL_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def widget_url(page, live_server: str, account: str, extra: str = "") -> str:
    """The widget's own address with a fresh signed context, as the demo CRM frames it."""
    page.goto(f"{live_server}/demo/accounts/{account}{extra}")
    return live_server + page.locator("#erp-panel").get_attribute("src")


def open_widget(page, live_server, account, width, mobile=False, extra=""):
    url = widget_url(page, live_server, account, extra)
    if not mobile:                      # the phone keeps its own viewport
        page.set_viewport_size({"width": width, "height": 900})
    page.goto(url)
    expect(page.locator("#app")).to_have_attribute("aria-busy", "false")
    return url


def assert_no_overflow(page, label):
    result = page.evaluate(OVERFLOW_JS)
    assert result["scroll"] <= result["width"] and not result["out"], f"{label}: {result}"


def axe_serious(page) -> list[str]:
    """axe-core's serious and critical violations on the page (the whole widget document)."""
    from axe_playwright_python.sync_playwright import Axe
    results = Axe().run(page)
    return [f"{v['id']} ({v['impact']}): {v['nodes'][0]['target']}" for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")]


def each_tab(page, check):
    for tab in TABS:
        page.locator(f"#tab-{tab}").click()
        expect(page.locator(f"#panel-{tab}")).to_be_visible()
        check(tab)


@pytest.fixture
def phone(browser_page):
    """A phone: 375 px, touch, 2x pixels, mobile viewport rules (its own browser context)."""
    context = browser_page.context.browser.new_context(viewport={"width": 375, "height": 812}, is_mobile=True,
                                                       has_touch=True, device_scale_factor=2)
    page = context.new_page()
    page.set_default_timeout(15000)
    page.js_errors = []
    page.on("pageerror", lambda exc: page.js_errors.append(str(exc)))
    yield page
    context.close()


@pytest.mark.parametrize("name,width,mobile", WIDTHS)
def test_fits_every_width_without_horizontal_scrolling(live_server, browser_page, request, tmp_path, name, width,
                                                       mobile):
    page = request.getfixturevalue("phone") if mobile else browser_page
    shots = screenshot_dir(tmp_path)
    open_widget(page, live_server, "ACC-1007", width, mobile)          # on hold, overdue, long names
    expect(page.locator("#glance")).to_contain_text("On hold")

    assert page.evaluate("window.innerWidth") == width

    def check(tab):
        if tab == "stock":
            page.locator(".stock-item summary").first.click()            # warehouse detail on demand
        assert_no_overflow(page, f"{name} {tab}")
        page.screenshot(path=str(shots / f"panel-{name}-{tab}.png"), full_page=True)
    each_tab(page, check)
    assert page.js_errors == []


@pytest.mark.parametrize("name,width,mobile", [WIDTHS[0], WIDTHS[3]])
def test_hold_line_survives_an_outage_past_the_stale_limit(live_server, browser_page, tmp_path, faults, clock,
                                                            name, width, mobile):
    page = browser_page
    open_widget(page, live_server, "ACC-1003", width, mobile)          # Café Lumière: on credit hold
    expect(page.locator("#glance")).to_contain_text("On hold")
    faults.down = True
    clock.advance(300 + 900 + 120)                                      # past the credit section's stale limit
    open_widget(page, live_server, "ACC-1003", width, mobile)
    glance = page.locator("#glance")
    expect(glance).to_contain_text("On hold as of")
    expect(glance.locator(".outage")).to_contain_text("ERP unreachable since")
    expect(page.locator("#customer-name")).to_have_text("Café Lumière SARL")
    assert_no_overflow(page, f"{name} outage")
    page.screenshot(path=str(screenshot_dir(tmp_path) / f"panel-{name}-outage.png"), full_page=True)
    # the ERP comes back: the panel recovers by itself, no reload
    faults.down = False
    clock.advance(60)
    expect(glance.locator(".outage")).to_have_count(0, timeout=30000)
    expect(glance).to_contain_text("On hold")
    assert page.js_errors == []


def test_refresh_keeps_focus_says_when_usable_again_and_never_claims_updated_after_a_fallback(
        live_server, browser_page, faults, clock):
    page = browser_page
    open_widget(page, live_server, "ACC-1001", 350)
    refresh = page.locator("#refresh")
    refresh.focus()
    refresh.press("Enter")
    expect(page.locator("#refresh-status")).to_have_text("Updated.")
    expect(refresh).to_be_focused()
    refresh.press("Enter")                                             # rate limited: says when it works again
    expect(page.locator("#refresh-status")).to_contain_text("you can refresh again in")
    expect(refresh).to_have_attribute("aria-disabled", "true")
    expect(refresh).to_be_focused()
    faults.down = True
    clock.advance(400)
    open_widget(page, live_server, "ACC-1001", 350)
    page.locator("#refresh").click()
    expect(page.locator("#refresh-status")).to_contain_text("The ERP did not answer; showing the figures as of")
    assert page.js_errors == []


def test_german_locale_formats_numbers_and_strings(live_server, browser_page):
    page = browser_page
    url = widget_url(page, live_server, "ACC-1007")
    page.set_viewport_size({"width": 320, "height": 900})
    page.goto(url + "&locale=de-CH")
    expect(page.locator("#glance")).to_contain_text("Gesperrt")
    expect(page.locator("#tab-stock")).to_have_text("Bestand")
    assert page.evaluate("document.documentElement.lang") == "de"


def test_axe_finds_no_serious_or_critical_violation_in_any_state(live_server, browser_page, faults, clock):
    page = browser_page
    states = []
    for account in ("ACC-1001", "ACC-1003", "ACC-1004", "ACC-1008", "ACC-1009"):   # ok, hold, overdue, not linked, ghost
        open_widget(page, live_server, account, 320)
        each_tab(page, lambda tab, a=account: states.append((f"{a} {tab}", axe_serious(page))))
    faults.down = True
    open_widget(page, live_server, "ACC-1002", 320)                    # cold and failing: retrying
    states.append(("retrying", axe_serious(page)))
    clock.advance(600)
    open_widget(page, live_server, "ACC-1001", 320)                    # stale
    each_tab(page, lambda tab: states.append((f"stale {tab}", axe_serious(page))))
    clock.advance(3600 * 5)
    open_widget(page, live_server, "ACC-1001", 320)                    # past every stale limit: unavailable
    states.append(("unavailable", axe_serious(page)))
    assert [s for s in states if s[1]] == []


@pytest.mark.parametrize("name,width,mobile", [WIDTHS[0], WIDTHS[3]])
def test_on_a_deal_its_own_lines_and_the_credit_room_for_it(live_server, browser_page, tmp_path, name, width, mobile):
    page = browser_page
    open_widget(page, live_server, "ACC-1001", width, mobile, extra="?deal=D-2001")
    lines = page.locator("#deal .deal-line")
    expect(lines.first).to_contain_text("SKU-1001")
    expect(lines.first).to_contain_text("needed")
    expect(lines.first).to_contain_text("customer price")
    expect(page.locator("#glance")).to_contain_text("this deal")
    assert_no_overflow(page, f"{name} deal")
    page.screenshot(path=str(screenshot_dir(tmp_path) / f"panel-{name}-deal.png"), full_page=True)
    assert axe_serious(page) == []
    assert page.js_errors == []
