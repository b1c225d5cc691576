"""The operations page: a tenant admin sees their installation, the operator every one (bearer token or an
operator session signed in with the token); the same data as JSON."""
from __future__ import annotations

import pytest

from app.auth.operator import COOKIE_NAME as OPERATOR_COOKIE
from app.ops.budget import Budget
from app.ops.signals import AUTH_FAILURE
from app.panel.model import DataKind
from tests.scenarios.admin_support import bearer, page_text, sign_in

OPERATOR_TOKEN = "operator-" + "o" * 40


@pytest.fixture
def op_app(app_factory):
    return app_factory(admin_token=OPERATOR_TOKEN)


@pytest.fixture
def svc(op_app):
    return op_app.extensions["erp_panel"]


@pytest.fixture
def client(op_app):
    return op_app.test_client()


@pytest.fixture
def tenants(svc):
    demo = svc.tenants.find("demo", "demo-company")
    other = svc.tenants.upsert_tenant("demo", "other-company", "Other Co")
    return demo, other


def test_a_tenant_admin_sees_their_installation_at_a_glance(client, svc, tenants, clock):
    demo, other = tenants
    svc.panel.read(demo, "ACC-1001", kinds=(DataKind.CREDIT,))
    svc.ops.signals.note_budget(demo.id, "hubspot", Budget(limit=110, remaining=11))
    svc.ops.signals.add(demo.id, AUTH_FAILURE, "erp", urgent=True)
    clock.advance(minutes=3)
    sign_in(client, svc, demo.id)
    page = client.get("/admin/operations")
    text = page_text(page)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "script-src 'none'" in page.headers["Content-Security-Policy"]
    assert "Demo Company" in text and "Other Co" not in text
    assert "FAILING" in text and "Credentials refused" in text and "The ERP refused erp-panel's credentials" in text
    assert "3 min ago" in text and "HubSpot: 90.0 %" in text and "sandbox" in text
    assert "0 of 1 (0.0 %)" in text


def test_without_a_session_the_page_offers_the_operator_sign_in(client, tenants):
    page = client.get("/admin/operations")
    assert page.status_code == 401 and 'action="/admin/operations/sign-in"' in page.get_data(as_text=True)


def test_the_operator_signs_in_with_the_token_and_sees_every_installation(client, svc, tenants, clock):
    refused = client.post("/admin/operations/sign-in", data={"token": "guess"})
    assert refused.status_code == 401 and "That is not the operator token" in page_text(refused)
    assert client.post("/admin/operations/sign-in", data={"token": OPERATOR_TOKEN},
                       headers={"Sec-Fetch-Site": "cross-site"}).status_code == 403
    signed = client.post("/admin/operations/sign-in", data={"token": OPERATOR_TOKEN})
    assert signed.status_code == 303 and signed.headers["Location"] == "/admin/operations"
    cookie = next(c for c in signed.headers.getlist("Set-Cookie") if c.startswith(OPERATOR_COOKIE + "="))
    assert all(a in cookie for a in ("Secure", "HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=3600"))
    text = page_text(client.get("/admin/operations"))
    assert "Demo Company" in text and "Other Co" in text and "2 installations" in text
    assert "Sign out" in text
    clock.advance(3601)
    assert client.get("/admin/operations").status_code == 401          # an hour later: sign in again


def test_a_new_admin_token_ends_operator_sessions(client, svc, tenants, app_factory):
    client.post("/admin/operations/sign-in", data={"token": OPERATOR_TOKEN})
    other = app_factory(admin_token="rotated-" + "r" * 40).test_client()
    other.set_cookie(OPERATOR_COOKIE, client.get_cookie(OPERATOR_COOKIE).value, secure=True)
    assert other.get("/admin/operations").status_code == 401


def test_operator_sign_out(client, tenants):
    client.post("/admin/operations/sign-in", data={"token": OPERATOR_TOKEN})
    assert client.post("/admin/operations/sign-out").status_code == 200
    assert client.get("/admin/operations").status_code == 401


def test_json_health_for_the_operator_and_for_a_tenant_admin(client, svc, tenants):
    demo, other = tenants
    svc.ops.signals.add(demo.id, AUTH_FAILURE, "crm", urgent=True)
    everyone = client.get("/api/v1/admin/operations", headers=bearer(OPERATOR_TOKEN)).get_json()
    by_name = {t["name"]: t for t in everyone["tenants"]}
    assert set(by_name) == {"Demo Company", "Other Co"}
    assert by_name["Demo Company"]["status"] == "failing" and by_name["Other Co"]["status"] == "ok"
    assert by_name["Demo Company"]["alerts"][0]["title"] == "Credentials refused"
    assert by_name["Other Co"]["erp"] == {"connector": None, "state": "not_configured", "last_successful_read": None}
    one = client.get(f"/api/v1/admin/operations?tenant_id={other.id}", headers=bearer(OPERATOR_TOKEN)).get_json()
    assert [t["name"] for t in one["tenants"]] == ["Other Co"]
    session = svc.admin_sessions.mint(demo.id, "admin")
    own = client.get("/api/v1/admin/operations", headers=bearer(session)).get_json()
    assert [t["tenant_id"] for t in own["tenants"]] == [demo.id]
    foreign = client.get(f"/api/v1/admin/operations?tenant_id={other.id}", headers=bearer(session))
    assert foreign.status_code == 403 and foreign.get_json()["reason"] == "wrong_tenant"
    assert client.get("/api/v1/admin/operations").status_code == 401
