"""The tenant cache: warm panel reads without database transactions, and every change seen in time.

"Process A" and "process B" are two app instances on the same database (as two gunicorn workers
are); without Redis, B sees A's change once its copy reaches TENANT_CACHE_SECONDS.
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from app import create_app

PANEL = "/api/v1/panel/accounts/{}"


class Transactions:
    """Counts transactions begun on an engine (SQLAlchemy 'begin' events)."""

    def __init__(self, engine):
        self.engine = engine
        self.count = 0

    def _begin(self, _conn) -> None:
        self.count += 1

    def __enter__(self) -> Transactions:
        sa.event.listen(self.engine, "begin", self._begin)
        return self

    def __exit__(self, *exc) -> None:
        sa.event.remove(self.engine, "begin", self._begin)


@pytest.fixture
def admin_headers(services, demo_tenant):
    return {"Authorization": "Bearer " + services.admin_sessions.mint(demo_tenant.id, "admin-1")}


def test_a_warm_panel_read_runs_no_database_transaction_and_no_decryption(client, services, widget_headers,
                                                                          monkeypatch):
    assert client.get(PANEL.format("ACC-1001"), headers=widget_headers).status_code == 200     # cold
    decrypted = []
    real_decrypt = services.secrets.decrypt
    monkeypatch.setattr(services.secrets, "decrypt", lambda token: decrypted.append(1) or real_decrypt(token))
    with Transactions(services.db.engine) as transactions:
        for _ in range(20):
            response = client.get(PANEL.format("ACC-1001"), headers=widget_headers)
            assert response.status_code == 200
            assert {s["state"] for s in response.get_json()["sections"].values()} == {"ok"}
    assert transactions.count == 0 and decrypted == []
    with Transactions(services.db.engine) as transactions:       # the counter does count: a cold account
        client.get(PANEL.format("ACC-1002"), headers=widget_headers)
    assert transactions.count > 0


def test_an_uninstalled_tenant_is_refused_at_once_in_the_same_process(client, services, demo_tenant,
                                                                      widget_headers):
    assert client.get(PANEL.format("ACC-1001"), headers=widget_headers).status_code == 200
    services.tenants.mark_uninstalled(demo_tenant.id)
    response = client.get(PANEL.format("ACC-1001"), headers=widget_headers)
    assert response.status_code == 401 and response.get_json()["reason"] == "tenant_inactive"
    services.tenants.upsert_tenant("demo", "demo-company")             # installed again
    assert client.get(PANEL.format("ACC-1001"), headers=widget_headers).status_code == 200


def test_admin_saves_are_seen_by_the_next_read_in_the_same_process(client, services, widget_headers,
                                                                   admin_headers):
    assert client.get(PANEL.format("ACC-1001"), headers=widget_headers).get_json()["linked"]
    assert client.delete("/api/v1/admin/account-links/ACC-1001", headers=admin_headers).status_code == 204
    assert client.get(PANEL.format("ACC-1001"), headers=widget_headers).get_json()["linked"] is False
    assert client.put("/api/v1/admin/account-links/ACC-1001", headers=admin_headers,
                      json={"erp_customer_id": "CUST-0002"}).status_code == 200
    assert client.get(PANEL.format("ACC-1001"), headers=widget_headers).get_json()["erp_customer_id"] == "CUST-0002"
    fingerprint = services.tenant_cache.connector_for(services.tenant_cache.tenant(
        services.tenants.find("demo", "demo-company").id))[1]
    assert client.put("/api/v1/admin/erp-connection", headers=admin_headers,
                      json={"connector": "sandbox", "values": {"seed": "43"}}).status_code == 200
    tenant = services.tenant_cache.tenant(services.tenants.find("demo", "demo-company").id)
    assert services.tenant_cache.connector_for(tenant)[1] != fingerprint            # rebuilt from the new settings


@pytest.fixture
def two_processes(base_config, clock, faults):
    apps = [create_app(base_config, clock=clock, sandbox_faults=faults) for _ in range(2)]
    yield [a.extensions["erp_panel"] for a in apps]
    for a in apps:
        a.extensions["erp_panel"].close()


def test_without_redis_another_process_sees_a_change_within_the_max_age(two_processes, clock):
    a, b = two_processes
    tenant = a.tenants.find("demo", "demo-company")
    assert b.panel.read(tenant, "ACC-1001").linked                  # B holds the link now
    a.tenants.unlink_account(tenant.id, "ACC-1001")                 # an admin saves in process A
    assert not a.panel.read(tenant, "ACC-1001").linked              # A: at once
    assert b.panel.read(tenant, "ACC-1001").linked                  # B: its copy, inside the max age
    max_age = b.settings.tenant_cache_seconds
    clock.advance(max_age)
    assert b.panel.read(tenant, "ACC-1001").linked                  # reloaded in the background, not waited for
    assert b.tenant_cache.settle()
    assert not b.panel.read(tenant, "ACC-1001").linked              # within max age + one reload
    a.tenants.link_account(tenant.id, "ACC-1001", "CUST-0001")
    clock.advance(2 * max_age)                                      # an idle copy past twice the max age ...
    assert b.panel.read(tenant, "ACC-1001").linked                  # ... is loaded before the read
    assert a.panel.read(tenant, "ACC-1001").linked                  # A holds a copy again
    b.tenants.mark_uninstalled(tenant.id)
    assert a.tenant_cache.tenant(tenant.id).active                  # A: inside its max age
    clock.advance(2 * max_age)
    assert not a.tenant_cache.tenant(tenant.id).active


def test_tenant_memory_is_bounded_in_bytes(services, demo_tenant):
    cache = services.tenant_cache
    for n in range(3000):
        cache.erp_customer_for(demo_tenant.id, f"ACC-{n:05d}")      # unknown accounts are remembered too
    assert 0 < cache.bytes_used <= services.settings.cache_max_bytes // 4
