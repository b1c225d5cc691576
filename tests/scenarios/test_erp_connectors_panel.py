"""End to end: the demo tenant's panel served from each real ERP connector's fake through the Flask client.

The demo tenant takes its ERP connection from ERP_CONNECTOR + ERP_CONFIG_* / ERP_SECRET_*
(app.erp.registry.env_connection), exactly as a deployment would configure it.
"""
from __future__ import annotations

from decimal import Decimal

import pytest

from tests.fakes import bc_odata
from tests.fakes.erp_apps import app_on


@pytest.fixture(params=["erpnext", "odoo", "netsuite", "businesscentral"])
def erp_app(request, base_config, clock, faults, monkeypatch):
    yield from app_on(request.param, base_config, clock, faults, monkeypatch)



def _panel(app, account: str):
    services = app.extensions["erp_panel"]
    tenant = services.tenants.find("demo", "demo-company")
    token, _ = services.widget_tokens.mint(tenant.id, "rep-1", "demo")
    return app.test_client().get(f"/api/v1/panel/accounts/{account}", headers={"Authorization": f"Bearer {token}"})


def test_panel_sections_come_from_the_configured_erp(erp_app):
    app, fake, vendor = erp_app
    services = app.extensions["erp_panel"]
    tenant = services.tenants.find("demo", "demo-company")
    assert services.tenants.get_erp_connection(tenant.id).connector == vendor
    resp = _panel(app, "ACC-1004")             # linked to CUST-0005, a customer with overdue invoices
    assert resp.status_code == 200
    body = resp.get_json()
    assert {name: s["state"] for name, s in body["sections"].items()} == dict.fromkeys(
        ("credit", "stock", "invoices", "pricing"), "ok")
    assert {s["source"] for s in body["sections"].values()} == {vendor}
    credit = body["sections"]["credit"]["data"]
    expected = fake.seed.get_credit("CUST-0005")
    overdue = expected.overdue
    if vendor == "businesscentral":         # BC keeps customer balances in the company's local currency
        overdue = bc_odata.to_lcy(overdue, expected.currency)
    assert credit["customer_name"] == "Nordic Fjord Handel AB"
    assert Decimal(credit["overdue"]) == overdue > 0
    invoices = body["sections"]["invoices"]
    assert [i["number"] for i in invoices["data"]] == [i.number for i in fake.seed.list_invoices("CUST-0005")]
    assert invoices["summary"]["overdue_count"] == sum(i["is_overdue"] for i in invoices["data"]) > 0
    assert body["sections"]["stock"]["data"] and body["sections"]["pricing"]["data"]
    assert fake.seen and all(r.timeout == 4.0 for r in fake.seen)


def test_unknown_customer_and_outage_degrade_per_section(erp_app):
    app, fake, _vendor = erp_app
    missing = _panel(app, "ACC-1009").get_json()        # linked to CUST-9999, deleted in the ERP
    assert missing["sections"]["credit"]["state"] == "not_found"
    fake.fail_next("unavailable", count=1000)
    down = _panel(app, "ACC-1002").get_json()["sections"]
    # stock is shared by all customers and still fresh in the cache; the rest needs the ERP
    assert down.pop("stock")["state"] == "ok"
    # nothing cached to show: the sections say the panel is trying again, and when
    assert {s["state"] for s in down.values()} == {"retrying"}
    assert all(s["reason"] and s["retry_after_seconds"] > 0 for s in down.values())


def test_bad_credentials_show_an_error_not_a_crash(erp_app):
    app, fake, _vendor = erp_app
    fake.fail_next("auth", count=1000)
    body = _panel(app, "ACC-1001").get_json()
    assert {s["state"] for s in body["sections"].values()} == {"error"}
    assert all("auth" in s["reason"] or "credential" in s["reason"] for s in body["sections"].values())


def test_a_field_the_erp_stopped_sending_is_unavailable_never_zero_and_test_connection_names_it(erp_app):
    from tests.scenarios.admin_support import bearer
    app, fake, vendor = erp_app
    if vendor == "erpnext":
        record, field = "Sales Invoice", "outstanding_amount"
        fake.hidden.add((record, field))             # field-level permissions hide it from the API user
    elif vendor == "odoo":
        record, field = "account.move", "amount_residual"
        fake.removed.add((record, field))            # an upgrade renamed it
    else:      # credit and invoices read different fields there: both go missing
        (record, field), other = {"netsuite": (("customer", "balance"), "unpaid"),
                                  "businesscentral": (("customer", "balanceDue"), "remainingAmount")}[vendor]
        fake.removed.update({field, other})
    sections = _panel(app, "ACC-1004").get_json()["sections"]
    for kind in ("credit", "invoices"):
        assert sections[kind]["state"] == "unavailable" and sections[kind]["reason"] == "erp_missing_field", kind
        assert sections[kind]["data"] is None and "Test connection" in sections[kind]["message"]
    assert sections["stock"]["state"] == "ok"
    services = app.extensions["erp_panel"]
    tenant = services.tenants.find("demo", "demo-company")
    admin = bearer(services.admin_sessions.mint(tenant.id, "admin-1"))
    check = app.test_client().post("/api/v1/admin/erp-connection/test", headers=admin, json={}).get_json()
    assert check["ok"] is False and check["reason"] == "missing_field"
    assert f"'{field}'" in check["sentence"] and record in check["sentence"]
    assert check["sentence"].startswith("The ERP did not send a field erp-panel needs.")
