"""The settings page's "Who sees which figures": save a default and rules, sentences for bad rules, the audit."""
from __future__ import annotations

from tests.scenarios.admin_support import page_text, post_form, sign_in_demo_admin


def form(**extra) -> dict:
    base = {"default-credit": "badges", "default-stock": "full", "default-invoices": "badges",
            "default-pricing": "hidden", "rule-kind": ["role", ""], "rule-values": ["Finance, Controlling", ""],
            "rule-credit": ["full", "full"], "rule-stock": ["full", "full"], "rule-invoices": ["full", "full"],
            "rule-pricing": ["badges", "full"]}
    return {**base, **extra}


def test_saving_stores_the_policy_shows_it_again_and_audits_it(client, services, demo_tenant):
    sign_in_demo_admin(client)
    response = post_form(client, "/admin/settings/figures", form())
    assert response.status_code == 303 and response.headers["Location"].endswith("done=figures_saved#figures")
    stored = services.tenants.get(demo_tenant.id).settings.figure_policy
    assert stored["default"] == {"credit": "badges", "stock": "full", "invoices": "badges", "pricing": "hidden"}
    assert stored["rules"] == [{"kind": "role", "values": ["Finance", "Controlling"],
                                "levels": {"credit": "full", "stock": "full", "invoices": "full", "pricing": "badges"}}]
    page = page_text(client.get("/admin/settings?done=figures_saved"))
    assert "Who sees which figures was saved" in page and 'value="Finance, Controlling"' in page
    [entry] = services.ops.admin_audit.search(demo_tenant.id, action="figures.save")
    assert entry.actor == "demo-admin" and entry.after["default"]["credit"] == "badges"
    assert entry.before["default"]["credit"] == "full"


def test_bad_rules_are_explained_next_to_the_row_and_nothing_is_saved(client, services, demo_tenant):
    sign_in_demo_admin(client)
    response = post_form(client, "/admin/settings/figures", form(**{"rule-kind": ["role", "team"],
                                                                    "rule-values": ["", "East"],
                                                                    "default-credit": "some"}))
    assert response.status_code == 422
    page = page_text(response)
    assert "Rule 1: name at least one CRM role." in page and "is not full, badges or hidden" in page
    assert services.tenants.get(demo_tenant.id).settings.figure_policy == {}
    assert services.ops.admin_audit.search(demo_tenant.id, action="figures.save") == []
