"""Odoo specifics beyond the contract: transports, pricing rules, confirm-on-retry, test connection."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import responses

from app.domain.order import OrderStatus
from app.erp.odoo import pricing
from app.errors import (
    MissingVendorField,
    UpstreamAuthFailed,
    UpstreamMisconfigured,
    UpstreamRejected,
    UpstreamUnavailable,
)
from tests.contract.erp.harness import odoo_harness
from tests.contract.erp.test_orders_contract import order_request

TODAY = date(2026, 11, 23)
PRODUCT = pricing.ProductForPricing(id=10, template_id=5, category_ids=(1, 2), list_price=Decimal("100.00"))


def rule(**fields):
    """A product.pricelist.item row as search_read returns it for RULE_FIELDS (numbers 0.0 when unset)."""
    base = {"id": 1, "applied_on": "3_global", "min_quantity": 0, "date_start": False, "date_end": False,
            "compute_price": "fixed", "base": "list_price", "product_id": False, "product_tmpl_id": False,
            "categ_id": False, "fixed_price": 0.0, "percent_price": 0.0, "price_discount": 0.0,
            "price_surcharge": 0.0, "price_round": 0.0, "price_min_margin": 0.0, "price_max_margin": 0.0}
    assert set(base) == set(pricing.RULE_FIELDS)
    return base | fields


@pytest.fixture
def mock():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as m:
        yield m


@pytest.mark.parametrize("the_rule, price", [
    (rule(compute_price="fixed", fixed_price=80), Decimal("80.00")),
    (rule(compute_price="percentage", percent_price=15), Decimal("85.00")),
    (rule(compute_price="formula", price_discount=10, price_surcharge=-0.01, price_round=1), Decimal("89.99")),
    (rule(compute_price="formula", price_discount=50, price_min_margin=-20), Decimal("80.00")),
])
def test_rule_price(the_rule, price):
    assert pricing.rule_price(the_rule, PRODUCT.list_price, 2) == price


def test_a_rule_field_missing_from_the_answer_is_named_not_read_as_zero():
    row = rule(compute_price="formula", price_discount=10)
    del row["price_surcharge"]
    with pytest.raises(MissingVendorField) as info:
        pricing.rule_price(row, PRODUCT.list_price, 2)
    assert (info.value.record, info.value.field) == ("product.pricelist.item", "price_surcharge")
    assert "price_surcharge" in info.value.message and not info.value.retriable


def test_most_specific_applicable_rule_wins():
    rules = [rule(id=1, compute_price="percentage", percent_price=5),
             rule(id=2, applied_on="2_product_category", categ_id=[1, "All"], compute_price="percentage",
                  percent_price=10),
             rule(id=3, applied_on="0_product_variant", product_id=[10, "X"], min_quantity=50, fixed_price=1),
             rule(id=4, applied_on="1_product", product_tmpl_id=[5, "X"], date_end="2026-01-01", fixed_price=2),
             rule(id=5, applied_on="1_product", product_tmpl_id=[6, "other"], fixed_price=3)]
    # variant rule needs qty 50, template rule expired, rule 5 is another product -> parent category rule
    assert pricing.pick_rule(rules, PRODUCT, Decimal(1), TODAY)["id"] == 2
    assert pricing.pick_rule(rules, PRODUCT, Decimal(50), TODAY)["id"] == 3


def test_cost_based_formula_is_skipped_and_list_price_used():
    rules = [rule(compute_price="formula", base="standard_price", price_discount=50),
             rule(id=2, compute_price="percentage", base="pricelist", percent_price=20)]
    assert pricing.pick_rule(rules, PRODUCT, Decimal(1), TODAY) is None
    assert pricing.rule_price(None, PRODUCT.list_price, 2) == Decimal("100.00")


def test_currency_conversion_uses_rates_and_rounding():
    assert pricing.convert(Decimal("10.005"), Decimal(1), Decimal("162"), 0) == Decimal("1621")
    assert pricing.convert(Decimal("10"), Decimal(1), Decimal(1), 2) == Decimal("10.00")


def test_jsonrpc_errors_arrive_with_http_200_and_are_classified(mock, clock):
    erp = odoo_harness(clock, mock, "jsonrpc", 16)
    erp.fake.denied.add("account.move")
    with pytest.raises(UpstreamAuthFailed) as info:
        erp.connector.list_invoices("CUST-0001")
    assert info.value.status == 200 and info.value.vendor_code == "odoo.exceptions.AccessError"
    assert info.value.reason == "erp_permission_denied"


def test_jsonrpc_bad_key_fails_login(mock, clock):
    erp = odoo_harness(clock, mock, "jsonrpc", 16)
    erp.connector.rpc.api_key = "wrong-key"
    with pytest.raises(UpstreamAuthFailed):
        erp.connector.get_credit("CUST-0001")


def test_json2_sends_bearer_key_named_arguments_and_context(mock, clock):
    erp = odoo_harness(clock, mock, "json2", 19)
    erp.connector.list_stock(["SKU-1001"])
    reads = erp.fake.requests_to("/json/2/product.product/read")
    assert reads and all(r.headers["Authorization"].startswith("bearer ") for r in reads)
    assert {r.body["context"]["warehouse_id"] for r in reads} == {1, 2, 3}
    assert all(set(r.body) == {"ids", "fields", "context"} for r in reads)


def test_auto_detect_uses_json2_on_19_and_jsonrpc_before(mock, clock):
    new = odoo_harness(clock, mock, "auto", 19)
    new.connector.get_credit("CUST-0001")
    assert new.connector.rpc.flavour == "json2" and not new.fake.requests_to("/jsonrpc")


def test_auto_detect_falls_back_to_jsonrpc(mock, clock):
    old = odoo_harness(clock, mock, "auto", 16)
    assert old.connector.get_credit("CUST-0001").balance > 0
    assert old.connector.rpc.flavour == "jsonrpc"
    assert len(old.fake.requests_to("/json/2/")) == 1      # one probe, then never again


@pytest.mark.parametrize("flavour, version", [("json2", 19), ("jsonrpc", 16)])
def test_failed_confirm_is_completed_on_retry_without_a_second_order(mock, clock, flavour, version):
    erp = odoo_harness(clock, mock, flavour, version)
    erp.fake.fail_next("timeout", path_contains="sale.order/action_confirm")
    with pytest.raises(UpstreamUnavailable):
        erp.connector.create_order(order_request("CRM-CONFIRM"))
    assert erp.fake.orders_for("CRM-CONFIRM")[0]["state"] == "draft"
    result = erp.connector.create_order(order_request("CRM-CONFIRM"))
    assert (result.status, result.created_now) == (OrderStatus.OPEN, False)
    assert erp.orders_for("CRM-CONFIRM") == 1 and erp.fake.orders_for("CRM-CONFIRM")[0]["state"] == "sale"


def test_order_uses_line_commands_and_client_order_ref(mock, clock):
    erp = odoo_harness(clock, mock, "json2", 19)
    erp.connector.create_order(order_request("CRM-SHAPE"))
    values = erp.fake.requests_to("/json/2/sale.order/create")[0].body["vals_list"][0]
    assert values["client_order_ref"] == "CRM-SHAPE" and values["partner_id"] == 27
    assert values["order_line"][0][:2] == [0, 0] and values["order_line"][0][2]["product_uom_qty"] == 2.0


def test_unknown_product_is_rejected_before_anything_is_written(mock, clock):
    erp = odoo_harness(clock, mock, "json2", 19)
    with pytest.raises(UpstreamRejected) as info:
        erp.connector.create_order(order_request("CRM-X", items=(("SKU-9999", "1", "1"),)))
    assert info.value.reason == "unknown_item" and not erp.fake.requests_to("sale.order/create")


def test_customer_can_be_linked_by_numeric_partner_id(mock, clock):
    erp = odoo_harness(clock, mock, "json2", 19)
    assert erp.connector.get_credit("27").customer_name == erp.reference.get_credit("CUST-0001").customer_name


@pytest.mark.parametrize("flavour, version", [("json2", 19), ("jsonrpc", 16)])
def test_check_connection_reasons(mock, clock, flavour, version):
    erp = odoo_harness(clock, mock, flavour, version)
    check = erp.connector.check_connection()
    assert check.ok and check.details["api"] == flavour
    erp.fake.denied.add("account.move")
    check = erp.connector.check_connection()
    assert (check.reason, check.details["model"]) == ("missing_permission", "account.move")
    erp.fake.denied.clear()
    erp.fake.fail_next("connection", count=3)
    assert erp.connector.check_connection().reason == "wrong_url"
    erp.connector.warehouse_id = 99
    assert erp.connector.check_connection().reason == "unknown_warehouse"


def test_check_connection_bad_key(mock, clock):
    erp = odoo_harness(clock, mock, "json2", 19)
    erp.connector.rpc.http.net.session.headers["Authorization"] = "bearer nope"
    assert erp.connector.check_connection().reason == "bad_credentials"


def test_json2_against_an_old_server_says_so(mock, clock):
    erp = odoo_harness(clock, mock, "json2", 16)
    check = erp.connector.check_connection()
    assert not check.ok and check.reason == "wrong_url" and "JSON-RPC" in check.message


def test_auto_on_an_old_server_without_jsonrpc_settings_says_what_is_missing(mock, clock):
    from app.erp.odoo import build_odoo
    from app.erp.registry import ConnectorContext
    from app.tenants.model import ERPConnectionSettings
    from tests.fakes.odoo import API_KEY, URL, FakeOdoo

    FakeOdoo(mock, clock, version=17)
    ctx = ConnectorContext(clock=clock, timeout=5)
    connector = build_odoo(ERPConnectionSettings("odoo", {"url": URL, "api_flavour": "auto"}, {"api_key": API_KEY}),
                           ctx)
    check = connector.check_connection()
    assert (check.ok, check.reason) == (False, "erp_not_configured") and "database and login" in check.message


def test_jsonrpc_wrong_database_is_named(mock, clock):
    erp = odoo_harness(clock, mock, "jsonrpc", 16)
    erp.connector.rpc.database = "acme-typo"
    check = erp.connector.check_connection()
    assert (check.ok, check.reason) == (False, "wrong_database") and "acme-typo" in check.message


def test_a_wrong_database_is_a_configuration_error_not_an_outage(mock, clock):
    erp = odoo_harness(clock, mock, "jsonrpc", 16)
    erp.connector.rpc.database = "acme-typo"
    with pytest.raises(UpstreamMisconfigured) as info:
        erp.connector.get_credit("CUST-0001")
    assert not info.value.retriable and info.value.reason == "erp_unknown_database"
    assert info.value.message == "Odoo: this server has no database named 'acme-typo'; check the Database setting"
    assert len(erp.fake.requests_to("/jsonrpc")) == 1, "a configuration error is not retried"


@pytest.mark.parametrize("name, message, reason", [
    ("odoo.exceptions.LockError", "records are locked", "erp_concurrent_update"),
    ("odoo.exceptions.ConcurrencyError", "", "erp_concurrent_update"),
    ("psycopg2.errors.SerializationFailure", "could not serialize access due to concurrent update",
     "erp_concurrent_update"),
    ("psycopg2.errors.DeadlockDetected", "deadlock detected", "erp_concurrent_update"),
    ("psycopg2.errors.LockNotAvailable", 'could not obtain lock on row in relation "sale_order"',
     "erp_concurrent_update"),
    ("psycopg2.extensions.TransactionRollbackError", "deadlock detected", "erp_concurrent_update"),
    ("psycopg2.OperationalError", 'could not obtain lock on row in relation "sale_order"', "erp_concurrent_update"),
    ("psycopg2.OperationalError", "server closed the connection unexpectedly", "erp_unavailable"),
    ("psycopg2.OperationalError", 'connection to server failed: FATAL:  database "x" does not exist',
     "erp_unknown_database"),
])
def test_odoo_error_names_are_sorted_into_transient_and_configuration(name, message, reason):
    from app.erp.odoo.transport import classify
    error_class, got = classify(name, message)
    assert got == reason
    assert error_class is not None and error_class.retriable == (reason != "erp_unknown_database")


@pytest.mark.parametrize("flavour, version", [("json2", 19), ("jsonrpc", 16)])
def test_a_lock_error_on_a_read_is_retried_like_any_transient_failure(mock, clock, flavour, version):
    erp = odoo_harness(clock, mock, flavour, version)
    erp.fail_next("lock_error", count=2, path_contains="res.partner")
    assert erp.connector.get_credit("CUST-0001").customer_id == "CUST-0001"
    assert erp.sleeps == [0.25, 0.5]
