"""The demo's sandbox switches reach every process on the database, not only the one that served the form."""
from __future__ import annotations

import pytest

from app import create_app
from app.erp.sandbox.faults import SandboxFaults
from app.errors import UpstreamUnavailable
from app.services import build_services
from tests.fakes.browser_client import browser_like


@pytest.fixture
def two_processes(base_config, clock):
    """A web process (serves the demo page) and an order-worker process, sharing one database."""
    web = browser_like(create_app(base_config, clock=clock, sandbox_faults=SandboxFaults(sleep=lambda _s: None)))
    worker = build_services(web.extensions["erp_panel"].settings, clock=clock,
                            sandbox_faults=SandboxFaults(sleep=lambda _s: None))
    yield web, worker
    worker.close()
    web.extensions["erp_panel"].close()


def test_outage_and_latency_switches_reach_the_other_process_within_a_second(two_processes, clock):
    web, worker = two_processes
    faults = worker.sandbox_faults
    tenant = worker.tenants.find("demo", "demo-company")
    erp, _ = worker.erp.connector_for(tenant)
    assert not faults.down and erp.get_credit("CUST-0001").customer_id == "CUST-0001"
    client = web.test_client()
    assert client.post("/demo/sandbox", data={"action": "outage_on"}).status_code == 303
    assert not faults.down                       # the worker trusts its copy for up to a second ...
    clock.advance(1)
    assert faults.down                           # ... then sees the outage
    with pytest.raises(UpstreamUnavailable):
        erp.get_credit("CUST-0001")
    client.post("/demo/sandbox", data={"action": "latency", "latency_ms": "250"})
    client.post("/demo/sandbox", data={"action": "outage_off"})
    clock.advance(1)
    assert not faults.down and faults.latency_ms == 250
    assert erp.get_credit("CUST-0001").customer_id == "CUST-0001"
    # the page of any web process shows the shared state
    page = client.get("/demo/accounts/ACC-1001").get_data(as_text=True)
    assert 'value="250"' in page


def test_a_process_setting_still_applies_without_the_demo_switch(two_processes, clock):
    web, worker = two_processes
    worker.sandbox_faults.down = True            # e.g. a test or SANDBOX_* setting of that process only
    assert worker.sandbox_faults.down and not web.extensions["erp_panel"].sandbox_faults.down
    worker.sandbox_faults.latency_ms = 40
    assert worker.sandbox_faults.latency_ms == 40
