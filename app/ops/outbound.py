"""What every outbound ERP/CRM call reports: vendor, outcome, latency and the API budget it revealed.

Called by the outbound HTTP layer's transport adapter (:mod:`app.net.session`) for every request,
answered or not, so no vendor client has to remember to. The tenant comes from the current
:func:`app.ops.scope.tenant_scope` (set by the panel read service and the order worker); calls
outside one (an admin's Test connection, OAuth installs) count towards the vendor totals only.
"""
from __future__ import annotations

from typing import Any, Protocol

from app.ops.budget import Budget, read_budget
from app.ops.metrics import (
    BUDGET_OBSERVED,
    BUDGET_REMAINING,
    BUDGET_USED,
    RATE_LIMITED,
    VENDOR_CALLS,
    VENDOR_LATENCY,
    tenant_label,
    vendor_label,
)
from app.ops.scope import current_scope


class Answer(Protocol):
    """The parts of an HTTP response this module reads (``requests.Response`` has them)."""

    status_code: int
    headers: Any


def outcome_of(status: int) -> str:
    """A bounded outcome label for an HTTP status."""
    if status < 300:
        return "ok"
    if status < 400:
        return "redirect"
    if status in (401, 403):
        return "auth_rejected"
    if status == 429:
        return "rate_limited"
    return "rejected" if status < 500 else "server_error"


def observe_call(vendor: str, answer: Answer | None, seconds: float, *, refused: bool = False) -> None:
    """Count one call (``answer`` None: no answer; ``refused``: the outbound policy stopped it)."""
    name = vendor_label(vendor or "unknown")
    if answer is None:
        outcome = "refused" if refused else "unreachable"
    else:
        outcome = outcome_of(answer.status_code)
    VENDOR_CALLS.labels(name, outcome).inc()
    if not refused:
        VENDOR_LATENCY.labels(name).observe(max(seconds, 0.0))
    if answer is None:
        return
    budget = Budget.exhausted() if answer.status_code == 429 else read_budget(answer.headers)
    if budget is None:
        return
    scope = current_scope()
    tenant = tenant_label(scope.tenant_id if scope else None)
    if answer.status_code == 429:
        RATE_LIMITED.labels(tenant, name).inc()
    BUDGET_USED.labels(tenant, name).set(budget.used_ratio)
    BUDGET_OBSERVED.labels(tenant, name).set_to_current_time()
    BUDGET_REMAINING.labels(tenant, name).set(budget.remaining)
    if scope is not None:
        scope.signals.note_budget(scope.tenant_id, name, budget)
