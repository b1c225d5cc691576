"""The settings page's error queue: dead letters with reasons, replay, tenant scoping."""
from __future__ import annotations

import html
from dataclasses import replace

import pytest

from app.orders.dead_letters import DeadLetters
from app.orders.tables import order_jobs
from tests.fakes.order_queue import FakeJob, FakeJobQueue
from tests.fakes.orders import count_rows, deal_row, drain
from tests.scenarios.admin_support import post_form, sign_in_demo_admin


@pytest.fixture
def queue(services, demo_tenant, clock):
    other = services.tenants.upsert_tenant("demo", "other-company", "Other Co")
    jobs = FakeJobQueue([
        FakeJob(1, demo_tenant.id, "create_order", "D-2001", "dead", 8, "erp_rejected",
                "The ERP rejected item SKU-404: it does not exist.", clock.now()),
        FakeJob(2, demo_tenant.id, "create_order", "D-2002", "done", 1, None, None, clock.now()),
        FakeJob(3, other.id, "create_order", "D-9001", "dead", 8, "erp_auth_failed", "Other tenant's failure",
                clock.now()),
    ])
    real = services.orders.dead_letters
    services.orders.dead_letters = DeadLetters(jobs, services.ops.admin_audit)
    yield jobs
    services.orders.dead_letters = real


def test_dead_letters_are_listed_with_reasons_for_this_tenant_only(client, queue, demo_tenant):
    sign_in_demo_admin(client)
    body = html.unescape(client.get("/admin/settings").get_data(as_text=True))
    assert "The ERP rejected item SKU-404: it does not exist." in body and "erp_rejected" in body
    assert "D-2001" in body
    assert "D-2002" not in body.split('id="errors"')[1]          # done jobs are not errors
    assert "D-9001" not in body and "Other tenant's failure" not in body


def test_replay_queues_the_event_again(client, queue, demo_tenant):
    sign_in_demo_admin(client)
    response = post_form(client, "/admin/settings/dead-letters/replay", {"dead_letter_id": "1"})
    assert response.status_code == 303 and response.headers["Location"].endswith("done=replayed#errors")
    assert queue.jobs[1].status == "queued"
    page = client.get("/admin/settings?done=replayed").get_data(as_text=True)
    assert "The failed event was queued again." in page
    again = post_form(client, "/admin/settings/dead-letters/replay", {"dead_letter_id": "1"})
    assert again.status_code == 404
    assert "no longer in the error queue" in html.unescape(again.get_data(as_text=True))


def test_another_tenants_dead_letter_cannot_be_replayed(client, queue, demo_tenant):
    sign_in_demo_admin(client)
    for bad in ("3", "not-a-number", str(2**80)):
        response = post_form(client, "/admin/settings/dead-letters/replay", {"dead_letter_id": bad})
        assert response.status_code == 404
    assert queue.jobs[3].status == "dead"


def test_unlinked_deal_dead_letters_then_link_and_replay_creates_the_order(client, services, clock, demo_tenant):
    """The admin's whole repair loop with the real order pipeline: see why, fix the link, replay."""
    assert client.post("/demo/deals/D-2007/won").status_code == 303
    drain(services, clock)
    dead = services.orders.queue.list(tenant_id=demo_tenant.id, status="dead")
    assert [(j.crm_deal_id, j.last_error_reason) for j in dead] == [("D-2007", "missing_erp_customer_link")]
    sign_in_demo_admin(client)
    page = html.unescape(client.get("/admin/settings").get_data(as_text=True))
    errors = page.split('id="errors"')[1]
    assert "D-2007" in errors and "missing_erp_customer_link" in errors and "Replay" in errors
    assert "link it on the erp-panel settings page" in errors
    job_id = dead[0].id

    assert post_form(client, "/admin/settings/links", {"crm_account_id": "ACC-1008",     # an EUR customer
                                                       "erp_customer_id": "CUST-0001"}).status_code == 303
    assert post_form(client, "/admin/settings/dead-letters/replay",
                     {"dead_letter_id": str(job_id)}).status_code == 303
    drain(services, clock)
    assert deal_row(services, "D-2007")["erp_order_number"].startswith("SO-")
    assert services.orders.queue.list(tenant_id=demo_tenant.id, status="dead") == []
    assert count_rows(services, order_jobs) >= 2
    after = client.get("/admin/settings").get_data(as_text=True).split('id="errors"')[1]
    assert "No failed order events" in after


def _errors_section(client) -> str:
    return html.unescape(client.get("/admin/settings").get_data(as_text=True)).split('id="errors"')[1].split(
        "</section>")[0]


def test_replay_is_disabled_while_the_credit_hold_lasts(client, services, clock, demo_tenant):
    """Café Lumière is on credit hold: its won deal fails; Replay waits until finance lifts the hold."""
    assert client.post("/demo/deals/D-2003/won").status_code == 303
    drain(services, clock)
    dead = services.orders.queue.list(tenant_id=demo_tenant.id, status="dead")
    assert [(j.crm_deal_id, j.last_error_reason) for j in dead] == [("D-2003", "credit_hold")]
    sign_in_demo_admin(client)
    errors = _errors_section(client)
    assert "Waiting for a fix: 1 event" in errors
    assert "Finance must release the credit hold of ERP customer CUST-0004" in errors
    assert "disabled" in errors and 'action="/admin/settings/dead-letters/replay"' not in errors
    refused = post_form(client, "/admin/settings/dead-letters/replay", {"dead_letter_id": str(dead[0].id)})
    assert refused.status_code == 409 and "Not replayed: Finance must release" in html.unescape(
        refused.get_data(as_text=True))
    assert services.orders.queue.list(tenant_id=demo_tenant.id, status="dead")

    # finance lifts the hold in the ERP; the next check (after the readiness TTL) offers Replay
    erp, _ = services.erp.connector_for(demo_tenant)
    erp.customers["CUST-0004"] = replace(erp.customers["CUST-0004"], on_hold=False, hold_reason="none")
    services.panel.forget_tenant(demo_tenant.id)
    clock.advance(services.settings.readiness_ttl + 1)
    errors = _errors_section(client)
    assert "Ready to replay: 1 event" in errors and 'action="/admin/settings/dead-letters/replay"' in errors
    assert post_form(client, "/admin/settings/dead-letters/replay",
                     {"dead_letter_id": str(dead[0].id)}).status_code == 303
    drain(services, clock)
    assert deal_row(services, "D-2003")["erp_order_number"]
