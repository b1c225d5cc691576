"""REST reads and write-back, Salesforce's error answers, and the 70 % daily-budget throttle."""
from __future__ import annotations

from decimal import Decimal

import pytest

from app.crm.base import WriteBack
from app.errors import (
    CRM,
    MissingVendorField,
    UpstreamAuthFailed,
    UpstreamNotFound,
    UpstreamRateLimited,
    UpstreamRejected,
)
from tests.fakes.salesforce_fixtures import ACCOUNT_ID, OPPORTUNITY_ID


def _connector(services, tenant):
    return services.crm.get("salesforce").connector_for(tenant)


def test_the_opportunity_is_read_with_product_codes_discounts_and_the_account_link(services, sf_tenant,
                                                                                     fake_salesforce):
    fake_salesforce.add_account(ACCOUNT_ID, "Acme", erp_customer_id="CUST-0002")
    fake_salesforce.add_opportunity(OPPORTUNITY_ID, ACCOUNT_ID, lines=[
        {"name": "Widget", "code": "SKU-1001", "quantity": 2, "price": 12.5, "discount": 10},
        {"name": "Gadget", "code": "SKU-1002", "quantity": 1, "price": 5}])
    deal = _connector(services, sf_tenant).get_deal(OPPORTUNITY_ID)
    assert deal.is_won and deal.currency == "EUR" and deal.status == "Closed Won"
    assert [(ln.sku, ln.quantity, ln.discount_percent) for ln in deal.lines] == [
        ("SKU-1001", Decimal("2"), Decimal("10")), ("SKU-1002", Decimal("1"), Decimal("0"))]
    assert deal.value == Decimal("27.5")                    # no Amount: 2 x 12.5 less 10 % + 5
    assert deal.account.erp_customer_id == "CUST-0002" and deal.account.crm_account_id == ACCOUNT_ID


def test_a_line_without_quantity_names_the_field(services, sf_tenant, fake_salesforce):
    fake_salesforce.add_opportunity(OPPORTUNITY_ID, None, lines=[{"name": "W", "code": "S", "quantity": None,
                                                                  "price": 1}])
    with pytest.raises(MissingVendorField) as info:
        _connector(services, sf_tenant).get_deal(OPPORTUNITY_ID)
    assert info.value.field == "Quantity" and info.value.side == CRM


def test_ids_that_are_not_salesforce_ids_never_reach_soql(services, sf_tenant, fake_salesforce):
    with pytest.raises(UpstreamNotFound):
        _connector(services, sf_tenant).get_deal("006' OR Name != '")
    assert fake_salesforce.calls == [c for c in fake_salesforce.calls if "OR" not in c[1]]


def test_write_back_patches_the_three_fields_and_a_missing_field_is_named(services, sf_tenant, fake_salesforce):
    fake_salesforce.add_opportunity(OPPORTUNITY_ID, None)
    connector = _connector(services, sf_tenant)
    connector.write_back(OPPORTUNITY_ID, WriteBack(order_number=None, status_text="Failed",
                                                   failure_reason="Unknown part SKU-9"))
    assert fake_salesforce.patches[-1][1] == {"ERP_Order_Number__c": None, "ERP_Order_Status__c": "Failed",
                                              "ERP_Order_Problem__c": "Unknown part SKU-9"}
    connector.write_back(OPPORTUNITY_ID, WriteBack(order_number="SO-1", status_text="Shipped",
                                                   delivery_status="Delivered 2 of 2", invoice_status="Paid"))
    assert fake_salesforce.patches[-1][1] == {"ERP_Order_Number__c": "SO-1", "ERP_Order_Status__c": "Shipped",
                                              "ERP_Order_Problem__c": None, "ERP_Delivery_Status__c": "Delivered 2 of 2",
                                              "ERP_Invoice_Status__c": "Paid"}
    fake_salesforce.fields["Opportunity"].discard("ERP_Order_Problem__c")      # metadata not deployed
    with pytest.raises(MissingVendorField) as info:
        connector.write_back(OPPORTUNITY_ID, WriteBack(order_number="SO-1", status_text="Open"))
    assert (info.value.record, info.value.field) == ("Opportunity", "ERP_Order_Problem__c")


def test_request_limit_exceeded_is_retriable_and_pauses_the_org(services, sf_tenant, fake_salesforce):
    fake_salesforce.add_opportunity(OPPORTUNITY_ID, None)
    connector = _connector(services, sf_tenant)
    fake_salesforce.fail_next("GET", f"sobjects/Opportunity/{OPPORTUNITY_ID}", 403)
    with pytest.raises(UpstreamRateLimited) as info:
        connector.get_deal(OPPORTUNITY_ID)
    assert info.value.retriable and info.value.retry_after == 300 and info.value.vendor_code == "REQUEST_LIMIT_EXCEEDED"
    calls = len(fake_salesforce.calls)
    with pytest.raises(UpstreamRateLimited):
        connector.get_deal(OPPORTUNITY_ID)                   # not even sent: the org is paused
    assert len(fake_salesforce.calls) == calls


def test_other_403s_are_a_missing_permission(services, sf_tenant, fake_salesforce):
    fake_salesforce.add_opportunity(OPPORTUNITY_ID, None)
    fake_salesforce.fail_next("GET", f"sobjects/Opportunity/{OPPORTUNITY_ID}", 403, code="INSUFFICIENT_ACCESS")
    with pytest.raises(UpstreamAuthFailed) as info:
        _connector(services, sf_tenant).get_deal(OPPORTUNITY_ID)
    assert info.value.reason == "crm_permission_denied"


def test_above_70_percent_of_the_daily_allocation_calls_are_throttled(services, sf_tenant, fake_salesforce):
    fake_salesforce.add_opportunity(OPPORTUNITY_ID, None)
    integration = services.crm.get("salesforce")
    connector = integration.connector_for(sf_tenant)
    connector.get_deal(OPPORTUNITY_ID)
    assert not integration.limiter.throttled(sf_tenant.installation_id)
    fake_salesforce.api_usage = (10_600, 15_000)               # 70.7 % of the org's daily allocation
    connector.get_deal(OPPORTUNITY_ID)
    assert integration.limiter.throttled(sf_tenant.installation_id)
    with pytest.raises(UpstreamRateLimited):
        for _ in range(10):                                    # 10 calls a minute, then wait
            connector.get_deal(OPPORTUNITY_ID)
    fake_salesforce.api_usage = (100, 15_000)                  # the rolling 24 h window moved on
    integration.limiter.observe(sf_tenant.installation_id, {"Sforce-Limit-Info": "api-usage=100/15000"})
    assert not integration.limiter.throttled(sf_tenant.installation_id)


def test_an_expired_session_is_refreshed_at_the_orgs_my_domain_and_repeated(services, sf_tenant, fake_salesforce):
    fake_salesforce.add_opportunity(OPPORTUNITY_ID, None)
    fake_salesforce.access_tokens.clear()                      # the org's session timeout ended early
    deal = _connector(services, sf_tenant).get_deal(OPPORTUNITY_ID)
    assert deal.crm_deal_id == OPPORTUNITY_ID
    assert len(fake_salesforce.access_tokens) == 1


def test_won_opportunities_are_listed_for_reconciliation(services, sf_tenant, fake_salesforce, clock):
    fake_salesforce.add_opportunity(OPPORTUNITY_ID, None, amount=99.5)
    fake_salesforce.add_opportunity("0065e000003AbCeAAK", None, won=False)
    [won] = _connector(services, sf_tenant).search_won_deals(clock.now())
    assert (won.crm_deal_id, won.value, won.currency) == (OPPORTUNITY_ID, Decimal("99.5"), "EUR")
    soql = [c for c in fake_salesforce.calls if c[1].endswith("/query")]
    assert soql


def test_the_account_is_read_and_its_erp_customer_id_written(services, sf_tenant, fake_salesforce):
    fake_salesforce.add_account(ACCOUNT_ID, "Acme")
    connector = _connector(services, sf_tenant)
    connector.write_erp_customer_id(ACCOUNT_ID, "CUST-0007")
    assert connector.get_account(ACCOUNT_ID).erp_customer_id == "CUST-0007"
    fake_salesforce.fields["Account"].discard("ERP_Customer_Id__c")            # metadata not deployed
    with pytest.raises(UpstreamRejected) as info:
        connector.write_erp_customer_id(ACCOUNT_ID, "CUST-0008")
    assert info.value.reason == "crm_fields_not_configured"
