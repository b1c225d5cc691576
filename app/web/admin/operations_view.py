"""Template models of the operations page and of the settings page's "Alerts" section."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from app.ops.alerting import Delivery
from app.ops.health import TenantHealth, health_report
from app.ops.rules import API_USAGE, FAILURE_SHARE, QUEUE_AGE, SLO_ERROR_RATE, percent
from app.tenants.model import Tenant
from app.web.context import services

#: what the alerts watch, as the settings page explains it
RULE_LINES = (
    f"more than {percent(FAILURE_SHARE)} of syncs (panel reads, order jobs) fail within an hour",
    f"syncs fail fast enough to break the {percent(SLO_ERROR_RATE)} error objective (burn rate over 1 h and 5 min, "
    "or 6 h and 30 min)",
    f"API usage passes {percent(API_USAGE)} of a vendor's limit",
    "a panel section had nothing newer than its stale limit to show",
    "the ERP or the CRM refuses erp-panel's credentials (at once)",
    f"a won deal waits more than {QUEUE_AGE // 60} minutes for an order worker",
)
CHANNEL_NAMES = {"email": "E-mail", "webhook": "Webhook", "slack": "Slack"}


def ago(when: datetime | None, now: datetime) -> str:
    """'3 min ago', '2 h ago', 'never' (the page is read at a glance, not parsed)."""
    if when is None:
        return "none in the last 8 days"
    seconds = max((now - when).total_seconds(), 0)
    if seconds < 90:
        return "just now"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min ago"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.0f} h ago"
    return f"{seconds / 86400:.0f} days ago"


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "none waiting"
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min"


ERP_STATES = {"ok": "reachable", "failing": "failing", "no_reads": "no reads yet", "not_configured": "not configured"}


def operations_model(tenants: list[Tenant], *, operator: bool) -> dict[str, Any]:
    """Rows for the operations page, failing tenants first."""
    svc = services()
    now = svc.clock.now()
    rows = health_report(svc.db, now, tenants)
    order = {"failing": 0, "warning": 1, "ok": 2}
    rows.sort(key=lambda r: (order[r.status], r.name.lower()))
    return {"rows": [row_view(r, now) for r in rows], "operator": operator, "generated_at": now,
            "counts": {s: sum(1 for r in rows if r.status == s) for s in order}}


def row_view(row: TenantHealth, now: datetime) -> dict[str, Any]:
    return {"health": row, "erp": ERP_STATES[row.erp_state], "last_read": ago(row.last_successful_read, now),
            "failures": f"{row.failed_last_hour} of {row.syncs_last_hour} ({row.failure_percent:.1f} %)"
                        if row.syncs_last_hour else "no syncs",
            "oldest": duration(row.oldest_ready_seconds)}


def health_json(row: TenantHealth) -> dict[str, Any]:
    """One tenant's health for the JSON API."""
    return {"tenant_id": row.tenant_id, "name": row.name, "crm": row.crm, "status": row.status,
            "erp": {"connector": row.erp_connector, "state": row.erp_state,
                    "last_successful_read": row.last_successful_read},
            "last_hour": {"syncs": row.syncs_last_hour, "failed": row.failed_last_hour,
                          "failure_percent": round(row.failure_percent, 2)},
            "queue": {"ready": row.queue_ready, "waiting": row.queue_waiting, "dead": row.queue_dead,
                      "oldest_ready_seconds": row.oldest_ready_seconds},
            "api_budgets": [{"vendor": b.vendor, "used_percent": b.used_percent, "remaining": b.remaining}
                            for b in row.budgets],
            "alerts": [{"title": title, "summary": summary} for title, summary in zip(row.firing, row.summaries,
                                                                                      strict=True)],
            "owner_notified": row.owner_notified}


def alert_section(tenant: Tenant, *, errors: dict | None = None, submitted: dict | None = None,
                  results: list[Delivery] | None = None) -> dict[str, Any]:
    """The settings page's Alerts section: the owner and channels (secrets only as 'set'), the rules, test results."""
    svc = services()
    stored = svc.ops.contacts.get(tenant.id).redacted()
    form = {**stored, **(submitted or {})}
    return {"form": form, "errors": errors or {}, "rules": RULE_LINES, "email_available": bool(svc.settings.smtp_host),
            "embedded": svc.settings.embedded_alerts,
            "results": [{"channel": CHANNEL_NAMES.get(d.channel, d.channel), "ok": d.ok, "error": d.error}
                        for d in results] if results is not None else None}
