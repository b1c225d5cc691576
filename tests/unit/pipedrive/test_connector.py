"""Deal read, write-back, token refresh and rate limits through the Pipedrive client."""
from __future__ import annotations

from decimal import Decimal

import pytest

from app.crm.base import WriteBack
from app.crm.pipedrive.mapping import (
    FIELD_ERP_CUSTOMER,
    FIELD_FAILURE_REASON,
    FIELD_ORDER_NUMBER,
    FIELD_ORDER_STATUS,
)
from app.errors import (
    UpstreamAuthFailed,
    UpstreamNotFound,
    UpstreamRateLimited,
    UpstreamRejected,
    UpstreamUnavailable,
)
from tests.fakes.pipedrive import field_key


@pytest.fixture
def configured(installed, fake, pd_services):
    """Installed tenant with all four fields chosen, one organization and a deal with two products."""
    keys = {FIELD_ERP_CUSTOMER: fake.add_text_field("organization", "ERP customer ID"),
            FIELD_ORDER_NUMBER: fake.add_text_field("deal", "ERP order #"),
            FIELD_ORDER_STATUS: fake.add_text_field("deal", "ERP order status"),
            FIELD_FAILURE_REASON: fake.add_text_field("deal", "ERP order problem")}
    installed.settings.crm_fields = keys
    pd_services.tenants.save_settings(installed.id, installed.settings)
    fake.add_org(7, "ACME GmbH", erp_customer="C-100")
    fake.company.products[501] = {"id": 501, "name": "Widget", "code": "W-1"}
    fake.add_deal(42, 7, status="won", products=[
        {"id": 1, "product_id": 501, "name": "Widget", "item_price": 10.5, "quantity": 3, "discount": 10,
         "discount_type": "percentage", "enabled_flag": True},
        {"id": 2, "product_id": 502, "name": "Service", "item_price": 100, "quantity": 1, "discount": 20,
         "discount_type": "amount", "enabled_flag": True},
        {"id": 3, "product_id": 503, "name": "Disabled", "item_price": 1, "quantity": 1, "enabled_flag": False}])
    return pd_services.tenants.get(installed.id)


def connector(pd_services, tenant):
    return pd_services.crm.connector_for(tenant)


def test_get_deal_reads_products_and_the_erp_customer_field(configured, pd_services):
    deal = connector(pd_services, configured).get_deal("42")
    assert deal.is_won and deal.crm_deal_id == "42" and deal.currency == "EUR"
    assert deal.account.crm_account_id == "7" and deal.account.erp_customer_id == "C-100"
    widget, service = deal.lines
    assert (widget.sku, widget.quantity, widget.unit_price, widget.discount_percent) == (
        "W-1", Decimal("3"), Decimal("10.5"), Decimal("10"))
    assert service.sku == "502"  # unknown product: the Pipedrive product id stands in
    assert service.discount_percent == Decimal("20.0000")  # 20 off a 100 line


def test_missing_deal_is_not_found(configured, pd_services):
    with pytest.raises(UpstreamNotFound):
        connector(pd_services, configured).get_deal("999")
    with pytest.raises(UpstreamNotFound):
        connector(pd_services, configured).get_deal("../users")


def test_write_back_patches_custom_fields_v2(configured, pd_services, fake):
    connector(pd_services, configured).write_back("42", WriteBack(order_number="SO-10042", status_text="Open"))
    [(deal_id, body)] = fake.patches
    assert deal_id == 42
    assert body == {"custom_fields": {field_key("ERP order #"): "SO-10042", field_key("ERP order status"): "Open",
                                      field_key("ERP order problem"): None}}
    assert ("PATCH", "/api/v2/deals/42") in fake.calls


def test_write_back_without_fields_is_a_clear_fatal_error(installed, pd_services):
    with pytest.raises(UpstreamRejected) as err:
        connector(pd_services, installed).write_back("42", WriteBack(order_number="SO-1", status_text="Open"))
    assert err.value.reason == "crm_fields_not_configured"


def test_write_back_retry_after_5xx_then_success(configured, pd_services, fake):
    conn = connector(pd_services, configured)
    fake.fail_next("PATCH", r"/api/v2/deals/42$", 503)
    update = WriteBack(order_number="SO-1", status_text="Open")
    with pytest.raises(UpstreamUnavailable):
        conn.write_back("42", update)
    assert fake.patches == []
    conn.write_back("42", update)  # what the worker does on its retry: same values, idempotent
    conn.write_back("42", update)
    assert fake.company.deals[42]["custom_fields"][field_key("ERP order #")] == "SO-1"


def test_429_uses_retry_after_and_holds_further_calls(configured, pd_services, fake, clock):
    conn = connector(pd_services, configured)
    fake.fail_next("PATCH", r"/api/v2/deals/42$", 429, headers={"Retry-After": "7", "x-ratelimit-remaining": "0",
                                                                 "x-ratelimit-reset": "2"})
    with pytest.raises(UpstreamRateLimited) as err:
        conn.write_back("42", WriteBack(order_number="SO-1", status_text="Open"))
    assert err.value.retry_after == 7
    calls = len(fake.calls)
    with pytest.raises(UpstreamRateLimited):
        conn.get_deal("42")  # the gate refuses without spending the company's budget
    assert len(fake.calls) == calls
    clock.advance(7)
    assert conn.get_deal("42").crm_deal_id == "42"


def test_429_without_retry_after_falls_back_to_reset_header(configured, pd_services, fake):
    fake.fail_next("GET", r"/api/v2/deals/42$", 429, headers={"x-ratelimit-reset": "3"})
    with pytest.raises(UpstreamRateLimited) as err:
        connector(pd_services, configured).get_deal("42")
    assert err.value.retry_after == 3


def test_exhausted_budget_header_blocks_until_reset(configured, pd_services, fake, clock):
    fake.fail_next("GET", r"/api/v2/organizations/7$", 200, headers={"x-ratelimit-remaining": "0",
                                                                      "x-ratelimit-reset": "2"},
                   body={"success": True, "data": fake.company.organizations[7]})
    conn = connector(pd_services, configured)
    assert conn.get_account("7").erp_customer_id == "C-100"
    with pytest.raises(UpstreamRateLimited):
        conn.get_account("7")
    clock.advance(2)
    conn.get_account("7")


def test_access_token_is_refreshed_before_expiry(configured, pd_services, fake, clock):
    before = pd_services.tenants.get_crm_credentials(configured.id)
    clock.advance(3599 - 60)  # inside the refresh margin
    connector(pd_services, configured).get_deal("42")
    after = pd_services.tenants.get_crm_credentials(configured.id)
    assert fake.token_calls[-1]["grant_type"] == "refresh_token"
    assert after.access_token != before.access_token and after.refresh_token != before.refresh_token
    assert after.expires_at > before.expires_at
    assert after.extra == before.extra  # webhook credentials survive a refresh


def test_revoked_access_token_is_refreshed_once_on_401(configured, pd_services, fake):
    fake.expire_tokens()
    assert connector(pd_services, configured).get_deal("42").crm_deal_id == "42"
    assert [c["grant_type"] for c in fake.token_calls].count("refresh_token") == 1


def test_refresh_failure_is_an_auth_error(configured, pd_services, fake, clock):
    fake.refresh_tokens.clear()  # Pipedrive no longer knows our refresh token (app removed, revoked)
    clock.advance(3600)
    with pytest.raises(UpstreamAuthFailed):
        connector(pd_services, configured).get_deal("42")


def test_refresh_outage_is_retriable(configured, pd_services, fake, clock):
    fake.fail_next("POST", "/oauth/token", 502)
    clock.advance(3600)
    with pytest.raises(UpstreamUnavailable):
        connector(pd_services, configured).get_deal("42")


def test_timeout_is_retriable(configured, pd_services, rsps):
    import re

    import requests
    rsps.add(rsps.GET, re.compile(r"https://acme\.pipedrive\.com/api/v2/deals/77$"),
             body=requests.Timeout("slow"))
    with pytest.raises(UpstreamUnavailable) as err:
        connector(pd_services, configured).get_deal("77")
    # the shared outbound layer reports every "no answer" the same way (reason and sentence)
    assert err.value.reason == "crm_unreachable" and "Could not connect to Pipedrive" in err.value.message


def test_forbidden_is_fatal(configured, pd_services, fake):
    fake.fail_next("GET", r"/api/v2/deals/42$", 403, body={"success": False, "error": "Scope and URL mismatch"})
    with pytest.raises(UpstreamAuthFailed) as err:
        connector(pd_services, configured).get_deal("42")
    assert err.value.reason == "crm_permission_denied" and not err.value.retriable


def test_failure_write_back_keeps_the_order_number_and_sets_the_reason(configured, pd_services, fake):
    conn = connector(pd_services, configured)
    conn.write_back("42", WriteBack(order_number="SO-7", status_text="Open"))
    conn.write_back("42", WriteBack(order_number=None, status_text="Failed",
                                    failure_reason="Item SKU-9 does not exist in the ERP"))
    fields = fake.company.deals[42]["custom_fields"]
    assert fields[field_key("ERP order #")] == "SO-7"
    assert fields[field_key("ERP order status")] == "Failed"
    assert fields[field_key("ERP order problem")] == "Item SKU-9 does not exist in the ERP"
    assert field_key("ERP order #") not in fake.patches[1][1]["custom_fields"]


def test_validation_error_carries_pipedrive_code(configured, pd_services, fake):
    fake.fail_next("PATCH", r"/api/v2/deals/42$", 400, body={"success": False, "error": "Deals limit reached",
                                                             "code": "feature_capping_deals_limit"})
    with pytest.raises(UpstreamRejected) as err:
        connector(pd_services, configured).write_back("42", WriteBack(order_number="SO-1", status_text="Open"))
    assert err.value.vendor_code == "feature_capping_deals_limit" and not err.value.retriable
