"""The alert rules: thresholds shared with deploy/prometheus/alerts.yml, evaluated per tenant.

The numbers come from the integration practices the product follows: alert when more than 1 %
of syncs fail in an hour, when API usage passes 70 % of a vendor's limit, when data is older than
its stale limit, at once on an authentication failure; keep the error rate under 0.5 % (an SLO,
alerted on by multi-window burn rates as in Google's SRE workbook, "Alerting on SLOs":
https://sre.google/workbook/alerting-on-slos/ ); and a won deal should not wait more than five
minutes for a worker. A "sync" is one panel read from the ERP or one order job attempt.

``evaluate`` is pure: it turns one tenant's :class:`~app.ops.inputs.TenantInputs` into one
:class:`Finding` per rule (firing or not). Prometheus evaluates the same thresholds from the
metrics; tests/deploy checks that both files name the same numbers.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from app.ops.inputs import AffectedDeal, TenantInputs
from app.ops.signals import AUTH_FAILURE, JOB_FAILED, READ_FAILED, STALE_EXCEEDED, SYNC_FAILED, SYNC_OK

FAILURE_SHARE = 0.01              # of syncs, over FAILURE_WINDOW
FAILURE_WINDOW = 3600
API_USAGE = 0.70                  # share of a vendor's budget
BUDGET_WINDOW = 600               # budget readings older than this are ignored
STALE_WINDOW = 900                # a section past its stale limit in this window
AUTH_WINDOW = 900                 # refused credentials in this window
SLO_ERROR_RATE = 0.005            # the error budget: 99.5 % of syncs succeed
#: (long window, short window, burn-rate factor): both windows must burn faster than the factor
BURN_WINDOWS = ((3600, 300, 14.4), (21600, 1800, 6.0))
QUEUE_AGE = 300                   # seconds the oldest ready order job may wait
WINDOWS = tuple(sorted({FAILURE_WINDOW, STALE_WINDOW, AUTH_WINDOW} | {w for b in BURN_WINDOWS for w in b[:2]}))

OPERATIONS_PATH = "/admin/operations"
VENDOR_NAMES = {"hubspot": "HubSpot", "pipedrive": "Pipedrive", "salesforce": "Salesforce", "erpnext": "ERPNext",
                "odoo": "Odoo", "netsuite": "NetSuite", "business_central": "Business Central",
                "microsoft_entra": "Microsoft Entra"}


@dataclass(frozen=True)
class Rule:
    name: str                     # stable id (database, webhook payloads)
    prometheus_alert: str         # the alert of the same rule in deploy/prometheus/alerts.yml
    title: str


@dataclass(frozen=True)
class Finding:
    """One rule's verdict for one tenant."""

    rule: Rule
    firing: bool
    summary: str = ""
    details: tuple[str, ...] = ()
    deals: tuple[AffectedDeal, ...] = ()
    fix_path: str = OPERATIONS_PATH
    fix_label: str = "Open the operations page"


SYNC_FAILURES = Rule("sync_failures", "ErpPanelSyncFailuresAboveOnePercent", "Syncs are failing")
API_BUDGET = Rule("api_budget", "ErpPanelApiBudgetAbove70Percent", "API budget almost used up")
STALE_DATA = Rule("stale_data", "ErpPanelDataOlderThanStaleLimit", "Panel data older than its stale limit")
AUTH_FAILURE_RULE = Rule("auth_failure", "ErpPanelCredentialsRefused", "Credentials refused")
ERROR_BUDGET = Rule("error_budget_burn", "ErpPanelErrorBudgetBurn", "Error rate above the 0.5 % objective")
QUEUE_DELAY = Rule("queue_age", "ErpPanelOrderQueueDelayed", "Won deals wait for a worker")


def percent(value: float) -> str:
    """0.0125 -> '1.3 %'."""
    return f"{value * 100:.1f} %".replace(".0 %", " %")


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.0f} min" if seconds >= 60 else f"{seconds:.0f} s"


def _sync_failures(inputs: TenantInputs) -> Finding:
    ok, failed = inputs.total(FAILURE_WINDOW, SYNC_OK), inputs.total(FAILURE_WINDOW, SYNC_FAILED)
    share = failed / (ok + failed) if ok + failed else 0.0
    if share <= FAILURE_SHARE:
        return Finding(SYNC_FAILURES, False)
    details = (f"Panel reads from the ERP that failed: {inputs.total(FAILURE_WINDOW, READ_FAILED)}.",
               f"Order job attempts that failed: {inputs.total(FAILURE_WINDOW, JOB_FAILED)}.")
    return Finding(SYNC_FAILURES, True, f"{failed} of {ok + failed} syncs failed in the last hour ({percent(share)}; "
                   f"the limit is {percent(FAILURE_SHARE)}).", details, tuple(inputs.failing_deals),
                   "/admin/settings#errors", "Open the error queue")


def _api_budget(inputs: TenantInputs) -> Finding:
    high = sorted((b for b in inputs.budgets if b.used_ratio > API_USAGE), key=lambda b: -b.used_ratio)
    if not high:
        return Finding(API_BUDGET, False)
    lines = tuple(f"{VENDOR_NAMES.get(b.vendor, b.vendor)}: {percent(b.used_ratio)} of the current limit used "
                  f"({b.remaining:g} left)." for b in high)
    names = ", ".join(VENDOR_NAMES.get(b.vendor, b.vendor) for b in high)
    return Finding(API_BUDGET, True, f"API usage passed {percent(API_USAGE)} of the limit at {names}; calls will be "
                   "refused when it runs out.", lines)


def _stale_data(inputs: TenantInputs) -> Finding:
    kinds = inputs.subjects(STALE_WINDOW, STALE_EXCEEDED)
    if not kinds:
        return Finding(STALE_DATA, False)
    count = inputs.total(STALE_WINDOW, STALE_EXCEEDED)
    return Finding(STALE_DATA, True, f"Reps were shown no {', '.join(kinds)} data {count} times in the last "
                   f"{_minutes(STALE_WINDOW)}: the newest copy was older than its stale limit and the ERP did "
                   "not answer.", (), (), "/admin/settings#erp", "Test the ERP connection")


def _auth_failure(inputs: TenantInputs) -> Finding:
    systems = inputs.subjects(AUTH_WINDOW, AUTH_FAILURE)
    if not systems:
        return Finding(AUTH_FAILURE_RULE, False)
    named = " and ".join(s.upper() for s in systems)
    crm = "crm" in systems
    return Finding(AUTH_FAILURE_RULE, True, f"The {named} refused erp-panel's credentials "
                   f"({inputs.total(AUTH_WINDOW, AUTH_FAILURE)} times in the last {_minutes(AUTH_WINDOW)}); "
                   "no figures are read and no orders are created until they are fixed.", (),
                   tuple(inputs.failing_deals), "/admin/settings#crm" if crm else "/admin/settings#erp",
                   "Reinstall the CRM app" if crm else "Fix the ERP connection")


def error_rate(inputs: TenantInputs, window: int) -> float:
    """Share of failed syncs in a window (0 without syncs)."""
    ok, failed = inputs.total(window, SYNC_OK), inputs.total(window, SYNC_FAILED)
    return failed / (ok + failed) if ok + failed else 0.0


def _error_budget(inputs: TenantInputs) -> Finding:
    for long, short, factor in BURN_WINDOWS:
        long_rate, short_rate = error_rate(inputs, long), error_rate(inputs, short)
        if long_rate > factor * SLO_ERROR_RATE and short_rate > factor * SLO_ERROR_RATE:
            return Finding(ERROR_BUDGET, True, f"Syncs fail {long_rate / SLO_ERROR_RATE:.0f} times faster than the "
                           f"{percent(SLO_ERROR_RATE)} error budget allows: {percent(long_rate)} in the last "
                           f"{_minutes(long)}, {percent(short_rate)} in the last {_minutes(short)}.", (),
                           tuple(inputs.failing_deals))
    return Finding(ERROR_BUDGET, False)


def _queue_age(inputs: TenantInputs) -> Finding:
    if inputs.oldest_ready_at is None:
        return Finding(QUEUE_DELAY, False)
    age = (inputs.now - inputs.oldest_ready_at).total_seconds()
    if age <= QUEUE_AGE:
        return Finding(QUEUE_DELAY, False)
    return Finding(QUEUE_DELAY, True, f"The oldest order job has waited {_minutes(age)} for a worker (limit "
                   f"{_minutes(QUEUE_AGE)}); {inputs.ready_jobs} jobs are ready. Check that order workers run.")


EVALUATORS: tuple[Callable[[TenantInputs], Finding], ...] = (
    _auth_failure, _sync_failures, _error_budget, _api_budget, _stale_data, _queue_age)
RULES = (AUTH_FAILURE_RULE, SYNC_FAILURES, ERROR_BUDGET, API_BUDGET, STALE_DATA, QUEUE_DELAY)


def evaluate(inputs: TenantInputs) -> list[Finding]:
    """One finding per rule for this tenant, in RULES order."""
    return [evaluator(inputs) for evaluator in EVALUATORS]
