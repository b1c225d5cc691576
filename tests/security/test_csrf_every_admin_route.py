"""CSRF: every state-changing route of the url_map, attacked with a valid admin session cookie.

Admin routes are those of the blueprints the app declares as admin (``protect_admin_blueprint``);
the test reads them from the url_map, and proves for every other write route that the cookie
changes nothing there (so an admin route outside those blueprints would be caught too).
"""
from __future__ import annotations

import html
import re

from flask.testing import FlaskClient

from app.auth.admin import COOKIE_NAME
from app.web import csrf
from app.web.csrf import CROSS_SITE, ORIGIN_MISSING
from tests.security.conftest import EVIL, PUBLIC, reason_of, snapshot

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
CSRF_REASONS = {"cross_origin", "cross_site", "origin_missing"}

#: how a forged request can look: another site's Origin, only another site's Referer, an opaque
#: origin, a cross-site fetch, or no Origin/Referer at all
ATTACKS = {
    "cross-origin": {"Origin": EVIL},
    "cross-origin referer": {"Referer": EVIL + "/page"},
    "null origin": {"Origin": "null"},
    "cross-site fetch": {"Origin": PUBLIC, "Sec-Fetch-Site": "cross-site"},
    "header-less": {},
}


def write_routes(app) -> list[tuple[str, str, str]]:
    """(blueprint, method, concrete path) of every write route registered in the app's url_map."""
    routes = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        path = re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?\w+>",
                      lambda m: "1" if m.group(1) == "int" else "ACC-1001", rule.rule)
        for method in sorted(rule.methods & WRITE_METHODS):
            routes.append((rule.endpoint.split(".")[0], method, path))
    return routes


def cookie_headers(services, tenant_id: str, app) -> dict[str, str]:
    """A valid admin session cookie and its valid CSRF token (what a forging page cannot read, given anyway)."""
    session = services.admin_sessions.mint(tenant_id, "victim-admin")
    with app.test_request_context(headers={"Cookie": f"{COOKIE_NAME}={session}"}):
        token = csrf.csrf_token()
    return {"Cookie": f"{COOKIE_NAME}={session}", "X-CSRF-Token": token, "_token": token}


def send(client, method: str, path: str, headers: dict, *, cookie: bool = True):
    """The forged request: form body with the CSRF token, the cookie (or not) and the attack's headers."""
    headers = dict(headers)
    token = headers.pop("_token", "")
    if not cookie:
        headers.pop("Cookie", None)
    return client.open(path, method=method, headers=headers, base_url=PUBLIC, data={"csrf_token": token})


def test_every_admin_write_route_refuses_cross_origin_and_header_less_cookie_writes(
        app, services, demo_tenant, hs_tenant, dead_letter):
    plain = FlaskClient(app, app.response_class, use_cookies=False)        # no implicit Origin
    routes = write_routes(app)
    admin = [r for r in routes if r[0] in csrf.ADMIN_BLUEPRINTS]
    paths = {(method, path) for _bp, method, path in admin}
    # what the app must declare as admin writes (a floor, not the list the test walks)
    assert {("POST", "/api/v1/admin/orders/dead-letters/replay"), ("POST", "/api/v1/admin/orders/dead-letters/1/replay"),
            ("PUT", "/api/v1/admin/settings"), ("PUT", "/api/v1/admin/erp-connection"),
            ("POST", "/admin/settings/erp"), ("POST", "/admin/settings/dead-letters/replay"), ("POST", "/admin/logout"),
            ("POST", "/pipedrive/settings/fields"), ("POST", "/hubspot/uninstall")} <= paths, paths
    victim = cookie_headers(services, demo_tenant.id, app)
    before = snapshot(services)
    for blueprint, method, path in routes:
        for name, attack in ATTACKS.items():
            response = send(plain, method, path, {**victim, **attack})
            where = (name, method, path, response.status_code)
            assert 400 <= response.status_code < 500, where
            if blueprint in csrf.ADMIN_BLUEPRINTS:
                assert response.status_code == 403, where
                text = html.unescape(response.get_data(as_text=True))
                assert reason_of(response) in CSRF_REASONS or CROSS_SITE in text or ORIGIN_MISSING in text, where
            else:
                # not an admin route: the admin cookie must make no difference at all
                without = send(plain, method, path, {**victim, **attack}, cookie=False)
                assert (without.status_code, reason_of(without)) == (response.status_code, reason_of(response)), where
    assert snapshot(services) == before
    assert services.orders.queue.get(dead_letter.id).status == "dead"
    assert services.tenants.get(hs_tenant.id).status == "active"


def test_same_origin_cookie_write_without_the_token_is_refused_on_every_admin_route(app, services, demo_tenant):
    plain = FlaskClient(app, app.response_class, use_cookies=False)
    victim = cookie_headers(services, demo_tenant.id, app)
    victim.update({"X-CSRF-Token": "", "_token": "", "Origin": PUBLIC})
    before = snapshot(services)
    for blueprint, method, path in write_routes(app):
        if blueprint in csrf.ADMIN_BLUEPRINTS:
            response = send(plain, method, path, victim)
            assert response.status_code == 403, (method, path, response.status_code)
            page = html.unescape(response.get_data(as_text=True))
            assert reason_of(response) == "csrf_failed" or csrf.CSRF_FAILED in page, (method, path)
    assert snapshot(services) == before


def test_legitimate_writes_still_work(app, services, demo_tenant, dead_letter):
    """Same origin + the session's token (the settings page), or a Bearer token without any cookie (API)."""
    plain = FlaskClient(app, app.response_class, use_cookies=False)
    victim = cookie_headers(services, demo_tenant.id, app)
    replay = f"/api/v1/admin/orders/dead-letters/{dead_letter.id}/replay"
    assert send(plain, "POST", replay, {**victim, "Origin": PUBLIC}).status_code == 200
    assert services.orders.queue.get(dead_letter.id).status == "queued"
    referer_only = send(plain, "PUT", "/api/v1/admin/account-links/ACC-1002",
                        {**victim, "Referer": PUBLIC + "/admin/settings"})
    assert referer_only.status_code in (415, 422)            # past the CSRF rule, refused only for its form body
    bearer = plain.put("/api/v1/admin/account-links/ACC-1002", base_url=PUBLIC, json={"erp_customer_id": "CUST-0002"},
                       headers={"Authorization": f"Bearer {services.admin_sessions.mint(demo_tenant.id, 'api')}"})
    assert bearer.status_code == 200 and services.tenants.erp_customer_for(demo_tenant.id, "ACC-1002") == "CUST-0002"
