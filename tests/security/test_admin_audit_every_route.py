"""Admin audit: every admin write route of the url_map, used legitimately, leaves an audit row by the
verified actor, and no secret typed into any of them reaches the audit.

Like the CSRF test, the routes come from the app (the blueprints declared with
``protect_admin_blueprint``), so a new admin write route fails here until it has a case below, and
with a case, until it records.
"""
from __future__ import annotations

import json
from dataclasses import replace

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from app.auth.operator import COOKIE_NAME as OPERATOR_COOKIE
from app.auth.operator import OperatorSessions
from app.domain.events import DealLeftWon
from app.ops.tables import admin_audit
from app.orders.tables import order_jobs
from app.web import csrf
from tests.fakes.browser_client import csrf_token_in
from tests.fakes.demo import demo
from tests.fakes.orders import drain, won_event
from tests.fakes.pipedrive import FakePipedrive
from tests.fakes.pipedrive_fixtures import CALLBACK, https_client, install
from tests.fakes.salesforce import FakeSalesforce
from tests.security.conftest import PUBLIC
from tests.security.test_csrf_every_admin_route import cookie_headers

OPERATOR_TOKEN = "operator-token-" + "o" * 40
ERP_SECRET = "erpnext-api-secret-do-not-log"
WEBHOOK_SECRET = "webhook-signing-secret-do-not-log"
WEBHOOK_PATH = "/hooks/T0001/secret-path-do-not-log"
SECRETS = (OPERATOR_TOKEN, ERP_SECRET, WEBHOOK_SECRET, WEBHOOK_PATH, "erpnext-key-do-not-log")


@pytest.fixture
def base_config(base_config):
    return {**base_config, "admin_token": OPERATOR_TOKEN}


def rows(services) -> list[dict]:
    with services.db.read() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.select(admin_audit).order_by(admin_audit.c.id)).all()]


class Routes:
    """Legitimate use of each admin write route: the right credential, a body that succeeds."""

    def __init__(self, app, services, tenant, hs_tenant, job, pipedrive, sf_tenant):
        self.app, self.services, self.tenant, self.hs_tenant, self.job = app, services, tenant, hs_tenant, job
        self.pipedrive, self.sf_tenant = pipedrive, sf_tenant
        self.plain = FlaskClient(app, app.response_class, use_cookies=False)

    def cookie(self, path, data=None, tenant_id=None):
        headers = {**cookie_headers(self.services, tenant_id or self.tenant.id, self.app), "Origin": PUBLIC}
        token = headers.pop("_token")
        return self.plain.post(path, base_url=PUBLIC, headers=headers, data={"csrf_token": token, **(data or {})})

    def api(self, method, path, body=None):
        token = self.services.admin_sessions.mint(self.tenant.id, "api-admin")
        return self.plain.open(path, method=method, base_url=PUBLIC, json=body,
                               headers={"Authorization": f"Bearer {token}"})

    def on_sandbox(self):
        """Links are checked against the ERP: the tenant back on the sandbox (another case saved ERPNext)."""
        self.services.tenants.save_erp_connection(self.tenant.id, "sandbox", {}, {})

    def dead_again(self):
        """The dead letter back in the error queue, so each replay route has work, with its blocker fixed (the
        settings page offers Replay only then): the sandbox ERP and the deal's account linked again."""
        self.on_sandbox()
        self.services.tenants.link_account(self.tenant.id, "ACC-1002", "CUST-0002")
        with self.services.db.write() as conn:
            conn.execute(order_jobs.update().where(order_jobs.c.id == self.job.id).values(status="dead"))

    def operator_cookie(self):
        sessions = OperatorSessions([self.services.settings.secret_key], OPERATOR_TOKEN, self.services.clock)
        return {"Cookie": f"{OPERATOR_COOKIE}={sessions.sign_in(OPERATOR_TOKEN)}", "Origin": PUBLIC}

    def allow_creation(self):
        """Customer creation on (it is off by default), on the sandbox ERP."""
        self.on_sandbox()
        tenant = self.services.tenants.get(self.tenant.id)
        self.services.tenants.save_settings(self.tenant.id, replace(tenant.settings, create_customers=True))

    def create_customer_for(self, account_id: str):
        """An orphan account (its link removed) to create the ERP customer of."""
        self.allow_creation()
        self.services.tenants.unlink_account(self.tenant.id, account_id)

    def cancel_flagged(self):
        """A won deal's order whose deal was then lost (flagged): the admin requests its cancellation."""
        services, clock = self.services, self.services.clock
        services.orders.intake.accept(won_event(services, self.tenant, "D-2008"))
        drain(services, clock)
        demo(services).store.set_status("demo-company", "D-2008", "lost")
        services.orders.intake.left_won(DealLeftWon(tenant_id=self.tenant.id, crm_deal_id="D-2008", status="lost"))
        drain(services, clock)
        return self.cookie("/admin/settings/orders/cancel", {"crm_deal_id": "D-2008"})

    def pipedrive_fields(self):
        browser, tenant = self.pipedrive
        page = browser.get("/pipedrive/settings/fields")
        return browser.post("/pipedrive/settings/fields", headers={"Origin": PUBLIC},
                            data={"csrf_token": csrf_token_in(page)})

    def cases(self):
        """(method, url rule) -> (tenant id the row belongs to, how to call it)."""
        t, link = self.tenant.id, "/api/v1/admin/account-links/ACC-9"
        erpnext = {"url": "https://erp.example.com", "api_key": "erpnext-key-do-not-log", "api_secret": ERP_SECRET,
                   "company": "Acme"}
        replay_one = f"/api/v1/admin/orders/dead-letters/{self.job.id}/replay"
        return {
            ("POST", "/admin/settings/erp"): (t, lambda: self.cookie("/admin/settings/erp", {
                "connector": "sandbox", "setting-seed": "42"})),
            ("POST", "/admin/settings/orders"): (t, lambda: self.cookie("/admin/settings/orders", {
                "credit_hold_policy": "create_and_flag"})),
            ("POST", "/admin/settings/links"): (t, lambda: (self.on_sandbox(), self.cookie("/admin/settings/links", {
                "crm_account_id": "ACC-8", "erp_customer_id": "CUST-0003"}))[1]),
            ("POST", "/admin/settings/links/remove"): (t, lambda: self.cookie("/admin/settings/links/remove", {
                "crm_account_id": "ACC-8"})),
            ("POST", "/admin/settings/links/create-customer"): (t, lambda: (self.allow_creation(), self.cookie(
                "/admin/settings/links/create-customer", {"crm_account_id": "ACC-1008"}))[1]),
            ("POST", "/admin/settings/dead-letters/replay"): (t, lambda: (self.dead_again(), self.cookie(
                "/admin/settings/dead-letters/replay", {"dead_letter_id": str(self.job.id)}))[1]),
            ("POST", "/admin/settings/orders/cancel"): (t, self.cancel_flagged),
            ("POST", "/admin/settings/reconcile"): (t, lambda: self.cookie("/admin/settings/reconcile", {
                "window_days": "7"})),
            ("POST", "/admin/settings/alerts"): (t, lambda: self.cookie("/admin/settings/alerts", {
                "owner_name": "Ops", "email_to": "ops@example.com", "webhook_url": "https://hooks.example.com"
                + WEBHOOK_PATH, "webhook_secret": WEBHOOK_SECRET})),
            ("POST", "/admin/settings/alerts/test"): (t, lambda: self.cookie("/admin/settings/alerts/test")),
            ("POST", "/admin/settings/figures"): (t, lambda: self.cookie("/admin/settings/figures", {
                "default-credit": "badges", "rule-kind": "role", "rule-values": "Finance", "rule-credit": "full"})),
            ("PUT", "/api/v1/admin/settings"): (t, lambda: self.api("PUT", "/api/v1/admin/settings",
                                                                    {"shadow_mode": True})),
            ("PUT", "/api/v1/admin/erp-connection"): (t, lambda: self.api("PUT", "/api/v1/admin/erp-connection",
                                                                          {"connector": "erpnext", "values": erpnext})),
            ("POST", "/api/v1/admin/erp-connection/test"): (t, lambda: self.api(
                "POST", "/api/v1/admin/erp-connection/test", {"connector": "sandbox", "values": {}})),
            ("PUT", "/api/v1/admin/account-links/<string:crm_account_id>"): (t, lambda: (self.on_sandbox(), self.api(
                "PUT", link, {"erp_customer_id": "CUST-0002"}))[1]),
            ("DELETE", "/api/v1/admin/account-links/<string:crm_account_id>"): (t, lambda: self.api("DELETE", link)),
            ("POST", "/api/v1/admin/account-links/<string:crm_account_id>/erp-customer"): (t, lambda: (
                self.create_customer_for("ACC-1008"), self.api(
                    "POST", "/api/v1/admin/account-links/ACC-1008/erp-customer", {"confirm": True}))[1]),
            ("POST", "/api/v1/admin/orders/dead-letters/<int:job_id>/replay"): (t, lambda: (
                self.dead_again(), self.api("POST", replay_one))[1]),
            ("POST", "/api/v1/admin/orders/dead-letters/replay"): (t, lambda: (
                self.dead_again(), self.api("POST", "/api/v1/admin/orders/dead-letters/replay"))[1]),
            ("POST", "/admin/operations/sign-in"): (None, lambda: self.plain.post(
                "/admin/operations/sign-in", base_url=PUBLIC, headers={"Origin": PUBLIC},
                data={"token": OPERATOR_TOKEN})),
            ("POST", "/admin/operations/sign-out"): (None, lambda: self.plain.post(
                "/admin/operations/sign-out", base_url=PUBLIC, headers=self.operator_cookie())),
            ("POST", "/pipedrive/settings/fields"): (self.pipedrive[1].id, self.pipedrive_fields),
            ("POST", "/hubspot/uninstall"): (self.hs_tenant.id, lambda: self.cookie("/hubspot/uninstall",
                                                                                   tenant_id=self.hs_tenant.id)),
            ("POST", "/salesforce/uninstall"): (self.sf_tenant.id, lambda: self.cookie(
                "/salesforce/uninstall", tenant_id=self.sf_tenant.id)),
            ("POST", "/admin/logout"): (t, lambda: self.cookie("/admin/logout")),
        }


@pytest.fixture
def pipedrive(app, services, clock, fake_hubspot):
    """An installed Pipedrive company with its admin signed in (the fake shares the HubSpot fake's mock)."""
    fake = FakePipedrive(fake_hubspot.rsps, clock, CALLBACK)
    browser = https_client(app)
    assert install(browser, fake).status_code == 303
    return browser, services.tenants.find("pipedrive", str(fake.company.company_id))


@pytest.fixture
def sf_tenant(services, fake_hubspot):
    """An installed Salesforce org (the fake shares the HubSpot fake's mock)."""
    fake = FakeSalesforce(fake_hubspot.rsps).install()
    flow = services.crm.get("salesforce").install
    start = flow.start()
    code, _state = fake.approve(start.url)
    return flow.complete(code=code, state=start.state, browser_state=start.state).tenant


def test_every_admin_write_route_leaves_an_audit_row_without_secrets(app, services, demo_tenant, hs_tenant,
                                                                     dead_letter, pipedrive, sf_tenant):
    routes = Routes(app, services, demo_tenant, hs_tenant, dead_letter, pipedrive, sf_tenant)
    cases = routes.cases()
    admin_writes = [(method, rule.rule) for rule in app.url_map.iter_rules()
                    if rule.endpoint.split(".")[0] in csrf.ADMIN_BLUEPRINTS
                    for method in sorted(rule.methods & {"POST", "PUT", "PATCH", "DELETE"})]
    missing = sorted(set(admin_writes) - set(cases))
    assert not missing, f"admin write routes without an audit case (add one, and make the route record): {missing}"
    for method, rule in sorted(admin_writes, key=lambda r: list(cases).index(r)):
        tenant_id, call = cases[(method, rule)]
        before = len(rows(services))
        response = call()
        assert response.status_code < 400, (method, rule, response.status_code, response.get_data(as_text=True)[:300])
        added = rows(services)[before:]
        assert added, f"{method} {rule} changed something but left no audit row"
        assert all(r["tenant_id"] == tenant_id and r["actor"] and r["source"] for r in added), (method, rule, added)
    stored = json.dumps(rows(services), default=str)
    for secret in SECRETS:
        assert secret not in stored
