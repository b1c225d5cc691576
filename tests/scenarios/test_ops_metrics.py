"""What the running product reports: panel reads by state, cache hits and data age; order jobs, syncs and the
time from a won event to the number on the deal; refused credentials, inbound and outbound."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.crm.demo.seed import DEMO_COMPANY
from app.crm.demo.webhook import build_won_webhook
from app.errors import ERP, UpstreamAuthFailed
from app.ops.signals import AUTH_FAILURE, JOB_FAILED, JOB_OK, READ_FAILED, READ_OK, STALE_EXCEEDED
from app.ops.tables import ops_counts
from app.panel.model import DataKind, SectionState
from tests.fakes.demo import demo
from tests.fakes.orders import drain
from tests.unit.ops.support import sample


def signal_counts(services) -> dict[tuple[str, str], int]:
    services.ops.signals.flush()
    with services.db.read() as conn:
        rows = conn.execute(sa.select(ops_counts.c.signal, ops_counts.c.subject, sa.func.sum(ops_counts.c.events))
                            .group_by(ops_counts.c.signal, ops_counts.c.subject)).all()
    return {(signal, subject): int(n) for signal, subject, n in rows}


def test_panel_reads_report_states_cache_hits_data_age_and_syncs(services, demo_tenant, clock):
    before = {kind: sample("erp_panel_panel_cache_lookups_total", kind=kind, result="miss") for kind in DataKind}
    hits = sample("erp_panel_panel_cache_lookups_total", kind="credit", result="hit")
    ok_sections = sample("erp_panel_panel_sections_total", kind="credit", state="ok")
    aged = sample("erp_panel_panel_data_age_seconds_count", kind="credit")
    syncs = sample("erp_panel_syncs_total", tenant=demo_tenant.id, source="panel_read", outcome="ok")
    services.panel.read(demo_tenant, "ACC-1001")                     # cold: four reads from the ERP
    clock.advance(30)
    services.panel.read(demo_tenant, "ACC-1001", kinds=(DataKind.CREDIT,))   # warm
    for kind in DataKind:
        assert sample("erp_panel_panel_cache_lookups_total", kind=kind.value, result="miss") == before[kind] + 1
    assert sample("erp_panel_panel_cache_lookups_total", kind="credit", result="hit") == hits + 1
    assert sample("erp_panel_panel_sections_total", kind="credit", state="ok") == ok_sections + 2
    assert sample("erp_panel_panel_data_age_seconds_count", kind="credit") == aged + 2
    assert sample("erp_panel_panel_data_age_seconds_bucket", kind="credit", le="30.0") >= 1
    assert sample("erp_panel_syncs_total", tenant=demo_tenant.id, source="panel_read", outcome="ok") == syncs + 4
    assert signal_counts(services) == {(READ_OK, kind.value): 1 for kind in DataKind}


def test_a_section_past_its_stale_limit_is_counted_per_tenant(services, demo_tenant, faults, clock):
    before = sample("erp_panel_panel_stale_limit_exceeded_total", tenant=demo_tenant.id, kind="credit")
    services.panel.read(demo_tenant, "ACC-1001", kinds=(DataKind.CREDIT,))
    clock.advance(services.settings.ttl_credit + services.settings.stale_limit_credit + 1)
    faults.down = True
    for _ in range(4):                                                # until "retrying" becomes "unavailable"
        section = services.panel.read(demo_tenant, "ACC-1001", kinds=(DataKind.CREDIT,)).sections[DataKind.CREDIT]
        clock.advance(20)
    assert section.state == SectionState.UNAVAILABLE
    assert sample("erp_panel_panel_stale_limit_exceeded_total", tenant=demo_tenant.id, kind="credit") == before + 1
    counts = signal_counts(services)
    assert counts[(STALE_EXCEEDED, "credit")] == 1 and counts[(READ_FAILED, "credit")] == 4


def test_refused_erp_credentials_are_an_auth_failure_written_at_once(services, demo_tenant, monkeypatch):
    connector, _ = services.erp.connector_for(demo_tenant)

    def refused(*_args, **_kwargs):
        raise UpstreamAuthFailed("ERPNext: the API key was refused", side=ERP, status=401)
    monkeypatch.setattr(connector, "get_credit", refused)
    before = sample("erp_panel_vendor_auth_failures_total", tenant=demo_tenant.id, system="erp", reason="erp_auth_failed")
    section = services.panel.read(demo_tenant, "ACC-1001", kinds=(DataKind.CREDIT,)).sections[DataKind.CREDIT]
    assert section.state == SectionState.ERROR
    assert sample("erp_panel_vendor_auth_failures_total", tenant=demo_tenant.id, system="erp",
                  reason="erp_auth_failed") == before + 1
    with services.db.read() as conn:                                  # urgent: no flush needed
        assert conn.execute(sa.select(ops_counts.c.events).where(ops_counts.c.signal == AUTH_FAILURE)).scalar() == 1


def test_order_jobs_report_outcomes_reasons_and_the_time_to_the_number_on_the_deal(client, services, demo_tenant,
                                                                                  clock):
    done = sample("erp_panel_order_jobs_total", kind="create_order", outcome="done")
    dead = sample("erp_panel_order_job_failures_total", kind="create_order", outcome="dead",
                  reason="missing_erp_customer_link")
    timed = sample("erp_panel_won_to_deal_number_seconds_count", crm="demo")
    client.post("/demo/deals/D-2001/won")
    client.post("/demo/deals/D-2007/won")                            # account without an ERP link: dead letter
    clock.advance(3)
    drain(services, clock)
    assert sample("erp_panel_order_jobs_total", kind="create_order", outcome="done") == done + 1
    assert sample("erp_panel_order_job_failures_total", kind="create_order", outcome="dead",
                  reason="missing_erp_customer_link") == dead + 1
    assert sample("erp_panel_won_to_deal_number_seconds_count", crm="demo") == timed + 1
    assert sample("erp_panel_won_to_deal_number_seconds_bucket", crm="demo", le="5.0") >= 1
    counts = signal_counts(services)
    assert counts[(JOB_OK, "create_order")] == 1 and counts[(JOB_FAILED, "create_order")] == 1
    assert counts[(JOB_OK, "write_back")] == 1       # the failure sentence; the create job wrote the number itself
    record = services.orders.records.get(demo_tenant.id, "D-2001")
    assert record.deal_value is not None and record.deal_currency == "EUR"


@pytest.mark.parametrize("tamper", [True, False])
def test_inbound_signature_failures_are_counted_by_reason(client, services, tamper):
    body, headers = build_won_webhook(demo(services).store, DEMO_COMPANY, "D-2001")
    response = client.post("/webhooks/demo", data=body.replace(b"D-2001", b"D-2002") if tamper else body,
                           headers=headers if tamper else {})
    reason = response.get_json()["reason"]
    assert response.status_code == 401
    before = sample("erp_panel_inbound_auth_failures_total", reason=reason)
    client.post("/webhooks/demo", data=body.replace(b"D-2001", b"D-2002") if tamper else body,
                headers=headers if tamper else {})
    assert sample("erp_panel_inbound_auth_failures_total", reason=reason) == before + 1
