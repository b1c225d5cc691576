"""Every outbound call is counted by vendor and outcome, timed, and reports the vendor's API budget per tenant."""
from __future__ import annotations

import pytest
import requests
import responses
import sqlalchemy as sa

from app.errors import CRM, UpstreamMisconfigured, UpstreamUnavailable
from app.net.client import OutboundHTTP
from app.net.policy import OutboundPolicy
from app.ops.scope import tenant_scope
from app.ops.tables import ops_budgets
from tests.unit.ops.support import sample


def client(vendor: str = "HubSpot") -> OutboundHTTP:
    return OutboundHTTP(vendor=vendor, side=CRM, policy=OutboundPolicy(), timeout=2)


@responses.activate
def test_answered_calls_are_counted_by_outcome_and_timed():
    responses.get("https://api.hubapi.com/ok", status=200)
    responses.get("https://api.hubapi.com/gone", status=401)
    responses.get("https://api.hubapi.com/broken", status=503)
    before = {o: sample("erp_panel_vendor_calls_total", vendor="hubspot", outcome=o)
              for o in ("ok", "auth_rejected", "server_error")}
    timed = sample("erp_panel_vendor_call_duration_seconds_count", vendor="hubspot")
    http = client()
    for path in ("ok", "gone", "broken"):
        http.send("GET", f"https://api.hubapi.com/{path}")
    for outcome in before:
        assert sample("erp_panel_vendor_calls_total", vendor="hubspot", outcome=outcome) == before[outcome] + 1
    assert sample("erp_panel_vendor_call_duration_seconds_count", vendor="hubspot") == timed + 3


@responses.activate
def test_calls_without_an_answer_and_refused_addresses_are_counted():
    responses.get("https://erp.example.com/down", body=requests.ConnectionError("refused"))
    unreachable = sample("erp_panel_vendor_calls_total", vendor="business_central", outcome="unreachable")
    refused = sample("erp_panel_vendor_calls_total", vendor="business_central", outcome="refused")
    http = client("Business Central")
    with pytest.raises(UpstreamUnavailable):
        http.send("GET", "https://erp.example.com/down")
    with pytest.raises(UpstreamMisconfigured):      # the address is a setting an admin fixes
        http.send("GET", "https://10.0.0.5/api")             # private address: the policy refuses it
    assert sample("erp_panel_vendor_calls_total", vendor="business_central", outcome="unreachable") == unreachable + 1
    assert sample("erp_panel_vendor_calls_total", vendor="business_central", outcome="refused") == refused + 1


@responses.activate
def test_budget_headers_become_a_per_tenant_gauge_and_a_database_signal(services, demo_tenant):
    responses.get("https://api.hubapi.com/crm", status=200,
                  headers={"X-HubSpot-RateLimit-Max": "110", "X-HubSpot-RateLimit-Remaining": "11"})
    with tenant_scope(demo_tenant.id, services.ops.signals):
        client().send("GET", "https://api.hubapi.com/crm")
    assert sample("erp_panel_vendor_api_budget_used_ratio", tenant=demo_tenant.id, vendor="hubspot") == \
        pytest.approx(0.9)
    assert sample("erp_panel_vendor_api_budget_remaining", tenant=demo_tenant.id, vendor="hubspot") == 11
    services.ops.signals.flush()
    with services.db.read() as conn:
        row = conn.execute(sa.select(ops_budgets)).one()
    assert (row.tenant_id, row.vendor, row.remaining, row.budget_limit) == (demo_tenant.id, "hubspot", 11, 110)
    assert row.used_ratio == pytest.approx(0.9)


@responses.activate
def test_a_429_is_a_used_up_budget_for_vendors_without_headers(services, demo_tenant):
    responses.get("https://acme.suitetalk.api.netsuite.com/record", status=429)
    before = sample("erp_panel_vendor_rate_limited_total", tenant=demo_tenant.id, vendor="netsuite")
    with tenant_scope(demo_tenant.id, services.ops.signals):
        client("NetSuite").send("GET", "https://acme.suitetalk.api.netsuite.com/record")
    assert sample("erp_panel_vendor_rate_limited_total", tenant=demo_tenant.id, vendor="netsuite") == before + 1
    assert sample("erp_panel_vendor_api_budget_used_ratio", tenant=demo_tenant.id, vendor="netsuite") == 1.0


@responses.activate
def test_calls_outside_a_tenant_count_towards_no_tenant(services):
    responses.get("https://api.example.com/x", status=200, headers={"Sforce-Limit-Info": "api-usage=50/100"})
    client("Salesforce").send("GET", "https://api.example.com/x")
    assert sample("erp_panel_vendor_api_budget_used_ratio", tenant="none", vendor="salesforce") == 0.5
    assert services.ops.signals.flush() == 0            # nothing to attribute to a tenant in the database
