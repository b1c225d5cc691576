"""Reading a won deal (deal + line items + company) through CRM v3 into the domain model."""
from __future__ import annotations

from decimal import Decimal

import pytest

from app.errors import UpstreamNotFound


@pytest.fixture
def connector(services, hs_tenant):
    return services.crm.connector_for(hs_tenant)


def test_get_deal_maps_lines_company_and_won_state(connector, fake_hubspot):
    fake_hubspot.add_company("201", "Acme Corporation", erp_customer_id="CUST-0002")
    fake_hubspot.add_deal("501", stage="closedwon", company_id="201", lines=[
        {"name": "Widget", "hs_sku": "ITEM-001", "quantity": "3", "price": "12.50"},
        {"name": "Service", "hs_sku": None, "hs_product_id": "77", "quantity": "1", "price": "100"}])
    deal = connector.get_deal("501")
    assert deal.is_won and deal.status == "closedwon" and deal.currency == "EUR"
    assert deal.account.crm_account_id == "201" and deal.account.erp_customer_id == "CUST-0002"
    assert [(ln.sku, ln.quantity, ln.unit_price) for ln in deal.lines] == [
        ("ITEM-001", Decimal("3"), Decimal("12.50")), ("hubspot-product-77", Decimal("1"), Decimal("100"))]
    assert deal.value == Decimal("137.50")                  # no amount on the deal: sum of the lines
    assert deal.custom_fields["erp_order_number"] == ""


def test_not_won_stage_and_missing_company(connector, fake_hubspot):
    fake_hubspot.add_deal("502", stage="contractsent", amount="99")
    deal = connector.get_deal("502")
    assert not deal.is_won and deal.account is None and deal.lines == () and deal.value == Decimal("99")


def test_company_without_erp_property_has_no_customer_id(connector, fake_hubspot):
    fake_hubspot.add_company("202", "No ERP Ltd")
    fake_hubspot.add_deal("503", stage="closedwon", company_id="202")
    assert connector.get_deal("503").account.erp_customer_id is None


def test_missing_deal(connector):
    with pytest.raises(UpstreamNotFound):
        connector.get_deal("404404")


def test_company_property_name_comes_from_tenant_settings(services, hs_tenant, fake_hubspot):
    settings = hs_tenant.settings
    settings.crm_fields["company_erp_customer_id"] = "erp_number"
    services.tenants.save_settings(hs_tenant.id, settings)
    fake_hubspot.add_company("203", "Custom Prop GmbH")
    fake_hubspot.companies["203"]["properties"]["erp_number"] = "CUST-0001"
    fake_hubspot.add_deal("504", stage="closedwon", company_id="203")
    connector = services.crm.connector_for(services.tenants.get(hs_tenant.id))
    assert connector.get_deal("504").account.erp_customer_id == "CUST-0001"


def test_line_items_come_from_one_batch_read_retried_on_5xx(connector, fake_hubspot, hs_sleeps):
    fake_hubspot.add_deal("505", stage="closedwon", lines=[
        {"name": f"Item {n}", "hs_sku": f"SKU-{n}", "quantity": "1", "price": "1"} for n in range(3)])
    fake_hubspot.fail_next("POST", "/crm/v3/objects/line_items/batch/read", 502)
    deal = connector.get_deal("505")
    assert [ln.sku for ln in deal.lines] == ["SKU-0", "SKU-1", "SKU-2"]        # association order kept
    assert fake_hubspot.calls.count(("POST", "/crm/v3/objects/line_items/batch/read")) == 2
    assert hs_sleeps == [0.5]


def test_line_item_missing_from_batch_read_is_not_found(connector, fake_hubspot):
    fake_hubspot.add_deal("506", stage="closedwon", lines=[{"name": "A", "hs_sku": "A", "quantity": "1", "price": "1"}])
    fake_hubspot.line_items.clear()
    with pytest.raises(UpstreamNotFound):
        connector.get_deal("506")
