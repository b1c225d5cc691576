"""The account widget inside a (fake) Pipedrive custom UI panel, in real Chromium.

A separate host app on another port plays Pipedrive: it frames our panel entry URL
and answers @pipedrive/app-extensions-sdk's ``initialize`` and ``get_signed_token``
commands over the MessageChannel the SDK opens, handing out a JWT signed with the
extension's secret. The widget must initialise the SDK, exchange that JWT for a
widget token, resolve the deal's organization and render the ERP panel.
"""
from __future__ import annotations

import json
import threading

import pytest
from flask import Flask
from playwright.sync_api import expect
from werkzeug.serving import make_server

from tests.fakes.pipedrive_fixtures import *  # noqa: F403
from tests.fakes.pipedrive_fixtures import PIPEDRIVE_SETTINGS

pytestmark = pytest.mark.browser

HOST_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Fake Pipedrive</title></head><body>
<iframe id="panel" title="ERP" style="width:360px;height:700px" src="%(src)s"></iframe>
<script>
  window.sdkCommands = [];
  window.addEventListener("message", function (ev) {
    var msg = ev.data;
    if (!msg || !msg.payload || msg.id !== "panel-1" || !ev.ports.length) { return; }
    window.sdkCommands.push(msg.payload.command);
    var reply = msg.payload.command === "get_signed_token" ? {token: %(token)s} : null;
    ev.ports[0].postMessage({data: reply});
  });
</script></body></html>"""


def serve(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


@pytest.fixture
def host():
    """The fake Pipedrive web app; ``page`` is filled in by the test."""
    app = Flask("fake-pipedrive-host")
    page = {}

    @app.get("/deal")
    def deal_view():
        return HOST_PAGE % page

    server, origin = serve(app)
    yield origin, page
    server.shutdown()
    server.server_close()


@pytest.fixture
def base_config(base_config, host):
    """Pipedrive configured, and the fake Pipedrive's origin allowed to frame the widget."""
    return {**base_config, **PIPEDRIVE_SETTINGS, "frame_origins": [host[0]]}


def test_deal_view_panel_renders_the_organizations_erp_data(pd_app, linked, fake, browser_page, host):
    origin, page_vars = host
    server, ours = serve(pd_app)
    try:
        page_vars.update(token=json.dumps(fake.sign_jwt(lifetime=3600)),
                         src=f"{ours}/pipedrive/frame/panel?id=panel-1&resource=deal&selectedIds=42"
                             "&userId=1&companyId=99")
        page = browser_page
        page.goto(f"{origin}/deal")
        frame = page.frame_locator("#panel")
        expect(frame.locator("#customer-id")).to_have_text(f"ERP customer {linked[1]}")
        expect(frame.locator("#panel-credit dl")).to_contain_text("Credit limit")
        commands = page.evaluate("window.sdkCommands")
        assert commands[0] == "initialize" and "get_signed_token" in commands
        assert page.js_errors == []
    finally:
        server.shutdown()
        server.server_close()


def test_wrong_jwt_shows_a_plain_error(pd_app, linked, fake, browser_page, host):
    origin, page_vars = host
    server, ours = serve(pd_app)
    try:
        page_vars.update(token=json.dumps(fake.sign_jwt(secret="x" * 40)),
                         src=f"{ours}/pipedrive/frame/panel?id=panel-1&resource=organization&selectedIds=7")
        browser_page.goto(f"{origin}/deal")
        frame = browser_page.frame_locator("#panel")
        expect(frame.locator("#panel-credit .state")).to_contain_text("could not be verified")
    finally:
        server.shutdown()
        server.server_close()
