"""Order readiness: the order flow's rules before close, the advisory checks, and never keeping the CRM waiting."""
from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from app.crm.demo.seed import DEMO_COMPANY
from app.domain.credit import CustomerCredit
from app.domain.deal import Account, Deal, DealLine
from app.domain.pricing import PriceQuote
from app.domain.readiness import Owner, ReadinessState, Severity
from app.domain.stock import StockLine
from app.errors import UpstreamMisconfigured
from app.orders import readiness_checks as checks
from app.orders.readiness import tolerance_of


def deal(*lines: tuple[str, str, str], currency: str = "EUR", discount: str = "0") -> Deal:
    return Deal("D-1", "Deal", "open", currency, Decimal(0), Account("A-1", "Acme", "C-1"),
                tuple(DealLine(sku, sku, Decimal(qty), Decimal(price), currency, Decimal(discount))
                      for sku, qty, price in lines))


def quote(code: str, price: str, currency: str = "EUR") -> PriceQuote:
    return PriceQuote(code, code, Decimal(price), None, currency)


def credit(limit: str | None, balance: str, *, on_hold: bool = False, currency: str = "EUR") -> CustomerCredit:
    return CustomerCredit("C-1", "Acme", currency, Decimal(limit) if limit else None, Decimal(balance), Decimal(0),
                          on_hold)


@pytest.mark.parametrize(("price", "warned"), [("102.00", False), ("98.00", False), ("102.01", True),
                                               ("97.99", True)])
def test_a_price_warns_only_beyond_the_tolerance_either_way(price, warned):
    items = checks.check_prices(deal(("SKU-1", "1", price)), [quote("SKU-1", "100.00")], Decimal("2"))
    assert [(i.severity, i.owner) for i in items] == ([(Severity.WARNING, Owner.REP)] if warned else [])


def test_the_price_compared_is_the_line_price_after_its_discount():
    # 110 less 10 % is 99: 1 % below the ERP's 100, within the tolerance; 120 less 10 % is 108: 8 % above
    assert checks.check_prices(deal(("SKU-1", "1", "110.00"), discount="10"), [quote("SKU-1", "100.00")],
                               Decimal("2")) == []
    [item] = checks.check_prices(deal(("SKU-1", "1", "120.00"), discount="10"), [quote("SKU-1", "100.00")],
                                 Decimal("2"))
    assert "(108.00 EUR) is 8.0 % above" in item.message and "check it with the customer" in item.message


def test_a_line_without_an_erp_price_is_reported_as_not_checked():
    [item] = checks.check_prices(deal(("SKU-1", "1", "5")), [], Decimal("2"))
    assert (item.severity, item.owner, item.reason) == (Severity.UNCHECKED, None, "price_not_found")


def test_stock_is_summed_across_warehouses_and_over_the_deals_lines():
    stock = [StockLine("SKU-1", "W", "Berlin", Decimal(6), Decimal(2)), StockLine("SKU-1", "W", "Lyon", Decimal(5),
                                                                                   Decimal(0))]
    assert checks.check_stock(deal(("SKU-1", "5", "1"), ("SKU-1", "4", "1")), stock) == []     # 9 of 9 available
    [item] = checks.check_stock(deal(("SKU-1", "10", "1")), stock)
    assert "Only 9 of the 10 × SKU-1" in item.message and item.owner == Owner.REP
    [missing] = checks.check_stock(deal(("SKU-2", "1", "1")), stock)
    assert "Only 0 of the 1 × SKU-2" in missing.message


def test_an_order_above_the_available_credit_is_a_warning_for_finance():
    [item] = checks.check_credit_room(deal(("SKU-1", "10", "100")), credit("5000", "4500"))
    assert (item.severity, item.owner, item.reason) == (Severity.WARNING, Owner.FINANCE, "over_credit_limit")
    assert "1,000.00 EUR" in item.message and "500.00 EUR" in item.message
    assert checks.check_credit_room(deal(("SKU-1", "1", "100")), credit("5000", "4500")) == []
    assert checks.check_credit_room(deal(("SKU-1", "99", "100")), credit(None, "4500")) == []      # no limit


def test_a_broken_mapping_blocks_for_the_admin_and_an_empty_mapped_field_warns_the_rep():
    [broken] = checks.check_mapping(deal(("SKU-1", "1", "1")), {"notes": "nonsense"}, "C-1")
    assert (broken.severity, broken.owner, broken.reason) == (Severity.BLOCKER, Owner.ADMIN, "invalid_field_mapping")
    empty = replace(deal(("SKU-1", "1", "1")), custom_fields={"po": ""})
    [warn] = checks.check_mapping(empty, {"po_reference": "field:po"}, "C-1")
    assert (warn.severity, warn.owner) == (Severity.WARNING, Owner.REP) and "Customer PO reference" in warn.message
    bad_date = replace(deal(("SKU-1", "1", "1")), custom_fields={"when": "next week"})
    [date_problem] = checks.check_mapping(bad_date, {"delivery_date": "field:when"}, "C-1")
    assert date_problem.owner == Owner.REP and "YYYY-MM-DD" in date_problem.message


def test_the_tolerance_setting_falls_back_to_two_percent(demo_tenant):
    assert tolerance_of(demo_tenant) == Decimal("2")
    demo_tenant.settings.price_tolerance_percent = "garbage"
    assert tolerance_of(demo_tenant) == Decimal("2")
    demo_tenant.settings.price_tolerance_percent = "7.5"
    assert tolerance_of(demo_tenant) == Decimal("7.5")


def test_an_erp_outage_gives_could_not_check_not_an_error(services, demo_tenant, faults):
    faults.down = True
    checked = services.orders.readiness.check(demo_tenant, "D-2008")
    assert checked.state == ReadinessState.UNKNOWN
    assert {i.severity for i in checked.items} == {Severity.UNCHECKED}
    faults.down = False
    assert services.orders.readiness.check(demo_tenant, "D-2008").state == ReadinessState.READY   # not cached


def test_a_deal_that_blocks_on_its_own_stays_blocked_while_the_erp_is_down(services, demo_tenant, faults):
    faults.down = True
    checked = services.orders.readiness.check(demo_tenant, "D-2007")           # not linked: blocked without the ERP
    assert checked.state == ReadinessState.BLOCKED


def test_one_failed_read_leaves_the_rest_checked(services, demo_tenant, faults):
    faults.fail_next(3, "unavailable")              # the first read fails, with both of its quick retries
    checked = services.orders.readiness.compute(demo_tenant, "D-2001")
    reasons = [i.reason for i in checked.items]
    assert any(r.endswith("_not_checked") for r in reasons) and "price_deviation" in reasons
    assert checked.state == ReadinessState.WARNINGS


def test_a_flagging_credit_policy_turns_the_credit_hold_into_a_warning_for_finance(services, demo_tenant):
    assert services.orders.readiness.compute(demo_tenant, "D-2003").state == ReadinessState.BLOCKED
    demo_tenant.settings.credit_hold_policy = "create_and_flag"
    checked = services.orders.readiness.compute(demo_tenant, "D-2003")
    flag = next(i for i in checked.items if i.reason == "credit_hold_flagged")
    assert (flag.severity, flag.owner) == (Severity.WARNING, Owner.FINANCE)


def test_a_slow_check_answers_could_not_check_at_the_deadline_and_fills_the_cache(services, demo_tenant, faults,
                                                                                 clock):
    readiness = services.orders.readiness
    readiness.deadline = 0.0
    faults.gate = threading.Event()                      # every ERP call waits until the test opens the gate
    first = readiness.check(demo_tenant, "D-2008")
    assert first.state == ReadinessState.UNKNOWN and first.items[0].reason == "readiness_timeout"
    faults.gate.set()
    assert readiness.settle()
    assert services.cache.get(readiness.key(demo_tenant.id, "D-2008")) is not None
    calls = faults.total_calls()
    assert readiness.check(demo_tenant, "D-2008").state == ReadinessState.READY
    assert faults.total_calls() == calls                                         # the background check's result


def test_an_unconnected_erp_is_a_blocker_for_the_admin(services, demo_tenant, monkeypatch):
    def not_connected(_tenant):
        raise UpstreamMisconfigured("no ERP connection", side="erp")
    monkeypatch.setattr(services.erp, "connector_for", not_connected)
    checked = services.orders.readiness.compute(demo_tenant, "D-2008")
    assert ("erp_not_configured", Owner.ADMIN) in [(i.reason, i.owner) for i in checked.items]


def test_readiness_survives_the_shared_cache_codec(services, demo_tenant):
    from app.domain import codec
    checked = services.orders.readiness.compute(demo_tenant, "D-2001")
    assert codec.loads(codec.dumps(checked)) == checked


def test_the_check_time_is_the_clock(services, demo_tenant, clock):
    clock.set(datetime(2026, 12, 24, 9, 30, tzinfo=UTC))
    assert services.orders.readiness.compute(demo_tenant, "D-2008").checked_at == clock.now()
    assert DEMO_COMPANY == demo_tenant.installation_id
