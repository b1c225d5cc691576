"""The rule thresholds, evaluated on hand-made inputs: just at the threshold nothing fires, just past it fires."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.ops import rules
from app.ops.inputs import AffectedDeal, BudgetReading, TenantInputs
from app.ops.signals import AUTH_FAILURE, JOB_FAILED, JOB_OK, READ_FAILED, READ_OK, STALE_EXCEEDED

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def inputs(counts=None, **kwargs) -> TenantInputs:
    return TenantInputs("t1", NOW, counts=dict(counts or {}), **kwargs)


def firing(data: TenantInputs) -> list[str]:
    return [f.rule.name for f in rules.evaluate(data) if f.firing]


def syncs(ok: int, failed: int, windows=rules.WINDOWS) -> dict:
    counts = {}
    for w in windows:
        counts[(w, READ_OK, "credit")] = ok
        counts[(w, JOB_FAILED, "create_order")] = failed
    return counts


def test_nothing_fires_for_a_quiet_tenant():
    assert firing(inputs()) == []


def test_sync_failures_fire_only_above_one_percent():
    assert firing(inputs(syncs(99, 1, [3600]))) == []                       # exactly 1 %
    assert firing(inputs(syncs(98, 2, [3600]))) == ["sync_failures"]        # 2 %
    finding = rules.evaluate(inputs(syncs(98, 2, [3600]), failing_deals=[AffectedDeal("42", "unknown_sku", "dead",
                                                                                      "10", "EUR")]))[1]
    assert finding.summary.startswith("2 of 100 syncs failed in the last hour (2 %")
    assert finding.deals[0].crm_deal_id == "42" and finding.fix_path == "/admin/settings#errors"


@pytest.mark.parametrize(("failed", "expected"), [
    (3, []),                                                  # 3 %: exactly 6x the budget on both slow windows
    (4, ["error_budget_burn"]),                               # 4 %: burning faster than 6x on 6 h and 30 min
])
def test_error_budget_slow_burn_pair(failed, expected):
    counts = {k: v for k, v in syncs(100 - failed, failed, [21600, 1800]).items()}
    counts.update(syncs(100, 0, [3600, 300]))                 # the fast pair sees no failures
    assert [r for r in firing(inputs(counts)) if r == "error_budget_burn"] == expected


def test_error_budget_fast_burn_needs_both_windows():
    counts = syncs(92, 8, [3600, 300])                        # 8 % > 14.4 x 0.5 %
    assert "error_budget_burn" in firing(inputs(counts))
    counts.update(syncs(100, 0, [300]))                       # the short window recovered: it stops at once
    assert "error_budget_burn" not in firing(inputs(counts))


def test_api_budget_fires_above_seventy_percent_of_a_vendor_limit():
    def budget(ratio):
        return BudgetReading("hubspot", ratio, 110 * (1 - ratio), 110, NOW)
    assert firing(inputs(budgets=[budget(0.70)])) == []
    finding = rules.evaluate(inputs(budgets=[budget(0.71), BudgetReading("netsuite", 1.0, 0, 1, NOW)]))[3]
    assert finding.firing and finding.summary.startswith("API usage passed 70 % of the limit at NetSuite, HubSpot")


def test_stale_data_and_auth_failures_fire_on_the_first_event():
    stale = rules.evaluate(inputs({(900, STALE_EXCEEDED, "credit"): 1}))[4]
    assert stale.firing and "no credit data 1 times" in stale.summary and stale.fix_path == "/admin/settings#erp"
    auth = rules.evaluate(inputs({(900, AUTH_FAILURE, "crm"): 2}))[0]
    assert auth.firing and auth.summary.startswith("The CRM refused erp-panel's credentials (2 times")
    assert auth.fix_path == "/admin/settings#crm"


def test_queue_age_fires_after_five_minutes_of_waiting():
    assert firing(inputs(oldest_ready_at=NOW - timedelta(seconds=300), ready_jobs=1)) == []
    assert firing(inputs(oldest_ready_at=NOW - timedelta(seconds=301), ready_jobs=3)) == ["queue_age"]


def test_signals_of_one_kind_add_up_across_sources():
    data = inputs({(3600, READ_OK, "stock"): 50, (3600, JOB_OK, "create_order"): 48,
                   (3600, READ_FAILED, "stock"): 1, (3600, JOB_FAILED, "write_back"): 1})
    assert rules.error_rate(data, 3600) == pytest.approx(0.02) and firing(data) == ["sync_failures"]
