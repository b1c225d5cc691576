"""The admin audit on the settings page and in the admin API: who changed what, before/after with secrets
masked, search by actor/action/time, CSV export."""
from __future__ import annotations

import csv
import io
import json

from app.ops.admin_audit import CLI_ACTOR
from tests.fakes import credential_erp
from tests.scenarios.admin_support import bearer, page_text, post_form, sign_in_demo_admin

SECRET = "s3cr3t-Plaintext-Value"
ROTATED = "r0tated-Plaintext-Value"


def audit_section(client, query: str = "") -> str:
    return page_text(client.get(f"/admin/settings{query}")).split('id="audit"')[1]


def test_connection_changes_show_who_and_whether_secrets_changed_never_their_values(client, services, demo_tenant):
    sign_in_demo_admin(client)
    with credential_erp.registered() as name:
        base = {"connector": name, "setting-url": "https://erp.example.com", "setting-company": ""}
        assert post_form(client, "/admin/settings/erp", {**base, "setting-api_key": SECRET}).status_code == 303
        assert post_form(client, "/admin/settings/erp", {**base, "setting-api_key": ""}).status_code == 303
        assert post_form(client, "/admin/settings/erp", {**base, "setting-api_key": ROTATED}).status_code == 303
    saves = services.ops.admin_audit.search(demo_tenant.id, action="erp_connection.save")
    assert [e.after["secrets"]["api_key"] for e in saves] == ["changed", "unchanged", "set"]   # newest first
    assert saves[-1].before["connector"] == "sandbox" and saves[-1].after["config"]["url"] == "https://erp.example.com"
    assert {e.actor for e in saves} == {"demo-admin"} and {e.source for e in saves} == {"settings_page"}
    section = audit_section(client)
    assert "ERP connection saved" in section and "demo-admin" in section and "changed" in section
    export = client.get("/admin/settings/audit.csv")
    assert export.status_code == 200 and export.mimetype == "text/csv"
    assert "attachment" in export.headers["Content-Disposition"]
    everything = page_text(client.get("/admin/settings")) + export.get_data(as_text=True)
    everything += json.dumps(client.get("/api/v1/admin/audit").get_json())
    assert SECRET not in everything and ROTATED not in everything


def test_search_and_export_filter_by_actor_action_and_time(client, services, demo_tenant, clock):
    sign_in_demo_admin(client)
    assert post_form(client, "/admin/settings/links", {"crm_account_id": "ACC-1008",
                                                        "erp_customer_id": "CUST-0003"}).status_code == 303
    clock.advance(2 * 86400)
    sign_in_demo_admin(client)                                   # the first session has expired
    api = bearer(services.admin_sessions.mint(demo_tenant.id, "api-admin"))
    assert client.put("/api/v1/admin/settings", json={"shadow_mode": True}, headers=api).status_code == 200
    section = audit_section(client, "?action=link")
    assert "ACC-1008" in section and "Order behaviour changed" not in section.split("<table")[-1]
    assert '"CUST-0003"' in section or "CUST-0003" in section
    by_actor = audit_section(client, "?actor=api-admin")
    assert "shadow_mode" in by_actor and "ACC-1008" not in by_actor
    today = clock.now().date().isoformat()
    assert "ACC-1008" not in audit_section(client, f"?since={today}")
    assert "is not a date" in audit_section(client, "?since=yesterday")
    rows = list(csv.DictReader(io.StringIO(client.get("/admin/settings/audit.csv?action=settings").get_data(
        as_text=True))))
    assert [(r["actor"], r["action"], r["source"]) for r in rows] == [("api-admin", "settings.update", "admin_api")]
    assert json.loads(rows[0]["before"]) == {"shadow_mode": False} and json.loads(rows[0]["after"]) == {
        "shadow_mode": True}
    assert client.get("/admin/settings/audit.csv?until=nope").status_code == 422


def test_admin_api_lists_and_exports_only_the_callers_installation(client, services, demo_tenant):
    other = services.tenants.upsert_tenant("demo", "other-company", "Other Co")
    services.ops.admin_audit.record(other.id, CLI_ACTOR,
                                    "dead_letter.replay_all", target="all failed events")
    api = bearer(services.admin_sessions.mint(demo_tenant.id, "api-admin"))
    assert client.put("/api/v1/admin/account-links/ACC-5", json={"erp_customer_id": "CUST-0002"},
                      headers=api).status_code == 200
    entries = client.get("/api/v1/admin/audit?action=link", headers=api).get_json()["entries"]
    assert [(e["action"], e["target"], e["actor"], e["after"]) for e in entries] == [
        ("link.save", "ACC-5", "api-admin", {"erp_customer_id": "CUST-0002", "erp_customer_name": "Acme Corporation"})]
    assert client.get("/api/v1/admin/audit?action=dead_letter", headers=api).get_json()["entries"] == []
    export = client.get("/api/v1/admin/audit/export", headers=api)
    assert export.status_code == 200 and export.mimetype == "text/csv" and "ACC-5" in export.get_data(as_text=True)
    bad = client.get("/api/v1/admin/audit?since=soon", headers=api)
    assert bad.status_code == 422 and bad.get_json()["reason"] == "bad_time"
    assert client.get("/api/v1/admin/audit").status_code == 401
