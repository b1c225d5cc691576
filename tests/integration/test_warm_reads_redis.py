"""Several processes on one Redis: a change in one reaches the others at once; one refresh per expired key."""
from __future__ import annotations

import threading

import pytest

from app import create_app
from app.panel.model import DataKind, SectionState


@pytest.fixture
def two_processes(base_config, redis_url, redis_namespace, clock, faults):
    config = dict(base_config, redis_url=redis_url, redis_namespace=redis_namespace)
    apps = [create_app(config, clock=clock, sandbox_faults=faults) for _ in range(2)]
    services = [a.extensions["erp_panel"] for a in apps]
    for svc in services:
        assert svc.invalidations.wait_connected(10)
    yield services
    for svc in services:
        svc.close()


def heard(svc, tenant_id: str) -> threading.Event:
    event = threading.Event()
    svc.invalidations.listen(lambda changed: event.set() if changed == tenant_id else None)
    return event


@pytest.mark.redis
def test_a_change_in_one_process_is_seen_by_the_other_without_waiting_for_the_max_age(two_processes):
    a, b = two_processes
    tenant = a.tenants.find("demo", "demo-company")
    assert b.panel.read(tenant, "ACC-1001").linked and b.tenant_cache.tenant(tenant.id).active
    notice = heard(b, tenant.id)
    a.tenants.unlink_account(tenant.id, "ACC-1001")              # an admin saves in process A
    assert notice.wait(10)                                       # delivered over pub/sub (milliseconds)
    assert not b.panel.read(tenant, "ACC-1001").linked           # the clock has not moved: not aged out
    notice = heard(b, tenant.id)
    a.tenants.mark_uninstalled(tenant.id)
    assert notice.wait(10)
    assert not b.tenant_cache.tenant(tenant.id).active


@pytest.mark.redis
def test_an_expired_key_read_in_two_processes_is_refreshed_once(two_processes, faults, clock):
    a, b = two_processes
    tenant = a.tenants.find("demo", "demo-company")
    a.panel.read(tenant, "ACC-1001", kinds=(DataKind.STOCK,))
    clock.advance(61)
    faults.gate = threading.Event()
    for svc in (a, b):                                           # both answer at once, with the ERP blocked
        section = svc.panel.read(tenant, "ACC-1001", kinds=(DataKind.STOCK,)).sections[DataKind.STOCK]
        assert section.state == SectionState.OK and section.age_seconds == pytest.approx(61)
    assert faults.wait_for_calls(2)
    faults.gate.set()
    assert a.panel.settle() and b.panel.settle()
    assert faults.calls["list_stock"] == 2                       # the first load and one refresh in all
    for svc in (a, b):
        assert svc.panel.read(tenant, "ACC-1001", kinds=(DataKind.STOCK,)).sections[DataKind.STOCK].age_seconds == 0
