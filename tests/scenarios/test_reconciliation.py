"""Reconciliation: a won deal whose webhook was dropped is found and ordered once; an ERP order without a record
is adopted; an order whose deal is no longer won is flagged; amount differences are listed; the report is on the
settings page and as CSV."""
from __future__ import annotations

import csv
import html
import io

import sqlalchemy as sa

from app.crm.demo.seed import DEMO_COMPANY
from app.crm.demo.tables import demo_deals
from app.orders.tables import order_records
from tests.fakes.demo import demo
from tests.fakes.orders import deal_row, drain, erp_orders, won_event
from tests.scenarios.admin_support import post_form, sign_in_demo_admin


def won_without_webhook(services, deal_id: str) -> None:
    """The deal is won in the CRM but its webhook never reaches erp-panel (dropped)."""
    demo(services).store.set_status(DEMO_COMPANY, deal_id, "won")


def test_a_dropped_webhook_is_found_and_ordered_once(app, services, clock):
    tenant = services.tenants.find("demo", DEMO_COMPANY)
    won_without_webhook(services, "D-2002")
    client = app.test_client()
    sign_in_demo_admin(client)
    response = post_form(client, "/admin/settings/reconcile", {"window_days": "30"})
    assert response.status_code == 303 and response.headers["Location"].endswith("done=reconcile_queued#reconcile")
    drain(services, clock)

    report = services.orders.reconciliation.latest(tenant.id)
    assert (report.status, report.trigger, report.window_days) == ("done", "admin", 30)
    assert report.counts["missing_event"] == 1
    [finding] = [f for f in report.findings if f["kind"] == "missing_event"]
    assert finding["crm_deal_id"] == "D-2002" and "Queued its order" in finding["fix"]
    assert len(erp_orders(services, tenant, "D-2002")) == 1
    assert deal_row(services, "D-2002")["erp_order_number"]

    # a second run finds nothing missing and orders nothing again
    services.orders.reconciliation.request(tenant.id)
    drain(services, clock)
    again = services.orders.reconciliation.latest(tenant.id)
    assert again.id != report.id and again.counts["missing_event"] == 0
    assert len(erp_orders(services, tenant, "D-2002")) == 1

    page = html.unescape(client.get("/admin/settings").get_data(as_text=True))
    assert "Reconciliation" in page and "Download CSV" in page
    sheet = client.get("/admin/settings/reconciliation.csv")
    assert sheet.status_code == 200 and sheet.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(sheet.get_data(as_text=True))))
    assert rows[0] == ["kind", "crm_deal_id", "order_number", "detail", "fix"]
    assert ["0", "missing_event"] in rows


def test_an_order_without_a_record_is_adopted_not_duplicated(services, clock):
    tenant = services.tenants.find("demo", DEMO_COMPANY)
    services.orders.intake.accept(won_event(services, tenant, "D-2001"))
    drain(services, clock)
    number = deal_row(services, "D-2001")["erp_order_number"]
    with services.db.write() as conn:          # erp-panel lost its records; the ERP kept the order
        conn.execute(order_records.delete().where(order_records.c.tenant_id == tenant.id))
        conn.execute(sa.text("DELETE FROM order_inbox"))
    report = services.orders.reconciliation.run(tenant)
    assert report.counts["adopt_order"] == 1 and report.counts["missing_event"] == 0
    drain(services, clock)
    assert len(erp_orders(services, tenant, "D-2001")) == 1
    assert services.orders.records.get(tenant.id, "D-2001").erp_order_number == number


def test_a_deal_no_longer_won_is_flagged_and_an_amount_difference_listed(services, clock):
    tenant = services.tenants.find("demo", DEMO_COMPANY)
    for deal in ("D-2001", "D-2008"):
        services.orders.intake.accept(won_event(services, tenant, deal))
    drain(services, clock)
    demo(services).store.set_status(DEMO_COMPANY, "D-2001", "lost")       # no webhook for this either
    with services.db.write() as conn:                                        # the deal's amount changed after
        row = conn.execute(sa.select(demo_deals.c.lines).where(demo_deals.c.id == "D-2008")).scalar()
        conn.execute(demo_deals.update().where(demo_deals.c.id == "D-2008").values(
            lines=[{**row[0], "quantity": str(int(row[0]["quantity"]) + 1)}, *row[1:]], updated_at=clock.now()))
    report = services.orders.reconciliation.run(tenant)
    kinds = {(f["kind"], f["crm_deal_id"]) for f in report.findings}
    assert ("not_won", "D-2001") in kinds and ("amount_mismatch", "D-2008") in kinds
    drain(services, clock)
    assert "no longer won" in deal_row(services, "D-2001")["erp_failure_reason"]
    assert len(erp_orders(services, tenant, "D-2001")) == 1                  # nothing cancelled


def test_the_daily_sweep_queues_each_tenant_once_across_workers(services, clock):
    tenant = services.tenants.find("demo", DEMO_COMPANY)
    first = services.orders.reconciliation.schedule("worker-a")
    assert first == [tenant.id] and services.orders.reconciliation.schedule("worker-b") == []
    clock.advance(2 * 3600)
    assert services.orders.reconciliation.schedule("worker-b") == []          # a day has not passed
    drain(services, clock)
    assert services.orders.reconciliation.latest(tenant.id).trigger == "scheduled"
    clock.advance(24 * 3600)
    assert services.orders.reconciliation.schedule("worker-b") == [tenant.id]
