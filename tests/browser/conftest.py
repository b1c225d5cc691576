"""Headless Chromium (Debian package) driven by Playwright against the app served on 127.0.0.1."""
from __future__ import annotations

import os
import shutil
import threading

import pytest

REQUIRE_BROWSER = os.environ.get("ERP_PANEL_REQUIRE_BROWSER", "") == "1"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _chromium_path() -> str | None:
    for candidate in (os.environ.get("CHROMIUM_PATH"), "/usr/bin/chromium", "/usr/bin/chromium-browser",
                      shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and os.path.exists(candidate):
            return candidate
    return None


def _unavailable(reason: str):
    if REQUIRE_BROWSER:
        pytest.fail(reason + " and ERP_PANEL_REQUIRE_BROWSER=1 makes browser tests required")
    pytest.skip(reason + " (install Debian's chromium, or set CHROMIUM_PATH)")


@pytest.fixture
def live_server(app):
    """Serve the test app on a free loopback port in a thread."""
    from werkzeug.serving import make_server
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture
def browser_page():
    path = _chromium_path()
    if path is None:
        _unavailable("Chromium is not installed")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context()
        page = context.new_page()
        page.set_default_timeout(15000)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.js_errors = errors
        yield page
        context.close()
        browser.close()
