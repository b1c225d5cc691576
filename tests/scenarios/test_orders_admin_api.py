"""Orders admin API: jobs, dead letters with reasons, replay, audit trail; admin auth and problem+json."""
from __future__ import annotations

import pytest

from app.crm.demo.seed import DEMO_COMPANY
from tests.fakes.orders import drain, erp_orders, won_event

ADMIN = "operator-token-" + "a" * 20


@pytest.fixture
def base_config(base_config):
    return {**base_config, "admin_token": ADMIN}


@pytest.fixture
def tenant(services):
    return services.tenants.find("demo", DEMO_COMPANY)


def _auth():
    return {"Authorization": f"Bearer {ADMIN}"}


def test_admin_api_requires_an_admin_credential(client):
    response = client.get("/api/v1/admin/orders/jobs")
    assert response.status_code == 401 and response.get_json()["reason"] == "admin_auth_required"


def test_operator_must_name_the_tenant(client):
    response = client.get("/api/v1/admin/orders/jobs", headers=_auth())
    assert response.status_code == 404 and response.get_json()["reason"] == "tenant_required"


def test_tenant_admin_session_sees_only_its_tenant(client, services, tenant):
    other = services.tenants.upsert_tenant("demo", "other-company", "Other")
    token = services.admin_sessions.mint(other.id, "admin-1")
    services.orders.intake.accept(won_event(services, tenant, "D-2001"))
    response = client.get("/api/v1/admin/orders/jobs", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and response.get_json()["jobs"] == []
    forbidden = client.get(f"/api/v1/admin/orders/jobs?tenant_id={tenant.id}",
                           headers={"Authorization": f"Bearer {token}"})
    assert forbidden.status_code == 403


def test_dead_letters_replay_and_audit_trail(client, services, tenant, clock, faults):
    faults.reject_orders_reason = "Customer PO number is mandatory"
    event = won_event(services, tenant, "D-2001", "evt-admin")
    services.orders.intake.accept(event)
    drain(services, clock)
    q = f"?tenant_id={tenant.id}"
    dead = client.get("/api/v1/admin/orders/dead-letters" + q, headers=_auth()).get_json()["jobs"]
    assert [(j["kind"], j["last_error_reason"]) for j in dead] == [("create_order", "erp_rejected")]
    assert "PO number" in dead[0]["last_error"]
    listed = client.get("/api/v1/admin/orders/jobs" + q + "&status=dead", headers=_auth()).get_json()["jobs"]
    assert [j["id"] for j in listed] == [dead[0]["id"]]

    faults.reject_orders_reason = None
    replay = client.post(f"/api/v1/admin/orders/dead-letters/{dead[0]['id']}/replay" + q, headers=_auth())
    assert replay.status_code == 200 and replay.get_json() == {"replayed": 1, "job_ids": [dead[0]["id"]]}
    again = client.post(f"/api/v1/admin/orders/dead-letters/{dead[0]['id']}/replay" + q, headers=_auth())
    assert again.status_code == 404 and again.mimetype == "application/problem+json"
    drain(services, clock)
    assert len(erp_orders(services, tenant, "D-2001")) == 1

    trail = client.get("/api/v1/admin/orders/audit" + q + "&event_id=evt-admin", headers=_auth()).get_json()
    steps = [(e["step"], e["outcome"]) for e in trail["entries"]]
    assert steps[0] == ("intake", "accepted") and ("create_order", "dead") in steps
    assert ("order", "created") in steps and steps[-1] == ("write_back", "ok")
    assert len({e["correlation_id"] for e in trail["entries"]}) == 1

    records = client.get("/api/v1/admin/orders/records" + q, headers=_auth()).get_json()["orders"]
    assert records[0]["state"] == "written_back" and records[0]["erp_order_number"].startswith("SO-")


def test_replay_all_and_bad_queries(client, services, tenant, clock):
    for deal_id in ("D-2006", "D-2007"):
        services.orders.intake.accept(won_event(services, tenant, deal_id))
    drain(services, clock)
    q = f"?tenant_id={tenant.id}"
    response = client.post("/api/v1/admin/orders/dead-letters/replay" + q, headers=_auth())
    assert response.get_json()["replayed"] == 2
    assert client.get("/api/v1/admin/orders/audit" + q, headers=_auth()).status_code == 400
    bad = client.get("/api/v1/admin/orders/jobs" + q + "&status=bogus", headers=_auth())
    assert bad.status_code == 422 and bad.mimetype == "application/problem+json"
