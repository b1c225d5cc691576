"""Production mode closes the demo doors: no demo routes, no demo tenant, no 'self' framing, no public /metrics."""
from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from app import create_app
from app.cli import main
from app.config import load_settings
from app.crm.demo.integration import DemoIntegration
from app.crm.demo.seed import DEMO_COMPANY
from app.errors import ConfigError
from tests.security.conftest import reason_of

DEMO_BLUEPRINTS = ("demo", "demo_orders", "admin_demo")
CONTEXT = {"ERP_PANEL_ENV": "production", "SECRET_KEY": "s" * 40, "DATABASE_URL": "sqlite:///x.sqlite3",
           "ENCRYPTION_KEYS": "0" * 43 + "=", "PUBLIC_BASE_URL": "https://erp-panel.test"}


def _sample_path(rule) -> str:
    """A concrete URL for a rule: digits for int converters, an account-like id otherwise."""
    return re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?\w+>", lambda m: "1" if m.group(1) == "int" else "ACC-1001", rule.rule)


def _demo_surfaces(app) -> list[tuple[str, str]]:
    """(method, path) of every route the demo registers in development (read from the url_map)."""
    surfaces = [(method, _sample_path(rule)) for rule in app.url_map.iter_rules()
                if rule.endpoint.split(".")[0] in DEMO_BLUEPRINTS
                for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    surfaces.append(("GET", "/widgets/demo-crm/host.js"))
    return surfaces


def test_every_demo_route_is_404_in_production(app, production_app):
    surfaces = _demo_surfaces(app)
    assert {path for _m, path in surfaces} >= {"/demo/admin-login", "/demo/sandbox", "/webhooks/demo",
                                              "/demo/accounts/ACC-1001/widget-context"}
    development = app.test_client()
    assert development.get("/demo/accounts/ACC-1001/widget-context").status_code == 200
    client = production_app.test_client()
    for method, path in surfaces:
        response = client.open(path, method=method)
        assert response.status_code == 404, (method, path, response.status_code)
        assert response.headers["Content-Type"] == "application/problem+json", (method, path)
    assert not [r.rule for r in production_app.url_map.iter_rules()
                if r.rule.startswith(("/demo", "/webhooks/demo"))]


def test_production_seeds_no_demo_tenant_and_has_no_demo_crm(production_app):
    services = production_app.extensions["erp_panel"]
    assert services.settings.demo_enabled is False and services.crm.of_kind(DemoIntegration) is None
    assert services.tenants.find("demo", DEMO_COMPANY) is None and services.tenants.list() == []
    assert "demo" not in services.crm.names()
    session = production_app.test_client().post("/api/v1/widget/session", json={"crm": "demo", "credential": "x"})
    assert 400 <= session.status_code < 500 and session.headers["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("value", ["1", "true", "on"])
def test_asking_for_the_demo_in_production_refuses_to_start(value):
    with pytest.raises(ConfigError, match="DEMO_ENABLED=1 is not allowed"):
        load_settings({**CONTEXT, "DEMO_ENABLED": value})
    assert load_settings({**CONTEXT, "DEMO_ENABLED": "0"}).demo_enabled is False
    assert load_settings(CONTEXT).demo_enabled is False
    assert load_settings({**CONTEXT, "ERP_PANEL_ENV": "development"}).demo_enabled is True


def test_create_app_and_the_demo_command_refuse_demo_mode_in_production(production_config):
    with pytest.raises(ConfigError, match="DEMO_ENABLED"):
        create_app({**production_config, "demo_enabled": True})
    result = CliRunner().invoke(main, ["demo"], env=CONTEXT)
    assert result.exit_code == 2
    assert "DEMO_ENABLED=1 is not allowed" in result.output and "Traceback" not in result.output


def _frame_ancestors(response) -> list[str]:
    csp = response.headers.get("Content-Security-Policy", "")
    found = re.search(r"frame-ancestors ([^;]+)", csp)
    return found.group(1).split() if found else []


def test_no_production_page_may_be_framed_by_itself(app, production_app):
    assert "'self'" in _frame_ancestors(app.test_client().get("/widgets/account-panel/"))   # the demo host page
    client = production_app.test_client()
    widget = _frame_ancestors(client.get("/widgets/account-panel/"))
    assert "https://app.hubspot.com" in widget and "'self'" not in widget
    for rule in production_app.url_map.iter_rules():
        if "GET" in rule.methods:
            ancestors = _frame_ancestors(client.get(_sample_path(rule)))
            assert "'self'" not in ancestors, rule.rule


def test_self_in_crm_frame_origins_is_refused_in_production(production_config):
    with pytest.raises(ConfigError, match="CRM_FRAME_ORIGINS must not contain 'self'"):
        create_app({**production_config, "frame_origins": ["'self'", "https://app.hubspot.com"]})


def test_metrics_are_not_public_in_production(production_config, clock, faults):
    closed = create_app(production_config, clock=clock, sandbox_faults=faults)
    response = closed.test_client().get("/metrics")
    assert response.status_code == 404 and reason_of(response) == "metrics_disabled"
    closed.extensions["erp_panel"].close()

    token = "metrics-" + "m" * 40
    guarded = create_app({**production_config, "metrics_token": token}, clock=clock, sandbox_faults=faults)
    client = guarded.test_client()
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": token}):
        refused = client.get("/metrics", headers=headers)
        assert refused.status_code == 401 and reason_of(refused) == "metrics_token_required"
        assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    scraped = client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert scraped.status_code == 200 and b"erp_panel_" in scraped.data
    guarded.extensions["erp_panel"].close()

    with pytest.raises(ConfigError, match="METRICS_TOKEN must be at least 32"):
        create_app({**production_config, "metrics_token": "short"})


def test_metrics_in_development_are_open_unless_a_token_is_set(app, base_config, clock, faults):
    assert app.test_client().get("/metrics").status_code == 200
    guarded = create_app({**base_config, "metrics_token": "dev-token"}, clock=clock, sandbox_faults=faults)
    client = guarded.test_client()
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer dev-token"}).status_code == 200
    guarded.extensions["erp_panel"].close()


def test_the_sandbox_erp_is_refused_at_start_up_in_production():
    with pytest.raises(ConfigError, match="ERP_CONNECTOR=sandbox is not allowed: the sandbox ERP is a demo surface"):
        load_settings({**CONTEXT, "ERP_CONNECTOR": "sandbox"})
    assert load_settings(CONTEXT).erp_connector == ""                 # nothing chosen for the admin
    assert load_settings({"ERP_PANEL_ENV": "development"}).erp_connector == "sandbox"   # the embedded default


def test_the_sandbox_erp_cannot_be_chosen_in_production(production_app):
    services = production_app.extensions["erp_panel"]
    tenant = services.tenants.upsert_tenant("pipedrive", "4242", "Acme")
    assert "sandbox" not in services.erp.available() and "erpnext" in services.erp.available()
    client = production_app.test_client()
    headers = {"Authorization": "Bearer " + services.admin_sessions.mint(tenant.id, "admin-1")}
    listed = client.get("/api/v1/admin/erp-connectors", headers=headers).json["connectors"]
    assert "sandbox" not in [c["name"] for c in listed]
    refused = client.put("/api/v1/admin/erp-connection", json={"connector": "sandbox", "values": {}},
                         headers=headers)
    assert refused.status_code == 422 and reason_of(refused) == "demo_connector_refused"
    assert refused.json["reasons"] == {"connector": "demo_connector_refused"}
    assert "demo surface" in refused.json["errors"]["connector"][0]
    assert services.tenants.get_erp_connection(tenant.id) is None


def test_a_stored_sandbox_connection_reads_nothing_in_production(production_app):
    services = production_app.extensions["erp_panel"]
    tenant = services.tenants.upsert_tenant("pipedrive", "4243", "Acme")
    services.tenants.save_erp_connection(tenant.id, "sandbox", {}, {})       # e.g. saved before production
    services.tenants.link_account(tenant.id, "7", "CUST-0001")
    view = services.panel.read(tenant, "7")
    assert {section.reason for section in view.sections.values()} == {"erp_not_configured"}
    assert all("demo surface" in section.message for section in view.sections.values())
