"""The checklist the settings page opens with: what is set up, what is broken, what to do next - live."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.erp import registry as erp_registry
from app.linking.health import LinkHealth, LinkState
from app.linking.orphans import Orphans
from app.orders.error_queue import READY_GROUP, FixGroup
from app.tenants.model import Tenant
from app.web.context import services


@dataclass(frozen=True)
class ChecklistItem:
    """One line of the checklist: done or not, a sentence, and where to fix it."""

    done: bool
    title: str
    sentence: str
    href: str


def _erp_item(tenant: Tenant) -> ChecklistItem:
    svc = services()
    stored = svc.tenants.get_erp_connection(tenant.id)
    if stored is None:
        return ChecklistItem(False, "Connect the ERP", "No ERP connection is saved yet.", "#erp")
    spec = erp_registry.describe(stored.connector)
    label = spec.label if spec else stored.connector
    tests = svc.ops.admin_audit.search(tenant.id, action="erp_connection.test", limit=1)
    if not tests:
        return ChecklistItem(True, "ERP connected", f"{label} is saved; it was not tested from this page yet.", "#erp")
    last = tests[0]
    works = last.detail.startswith("works")
    when = last.at.strftime("%Y-%m-%d %H:%M UTC")
    return ChecklistItem(works, "ERP connected" if works else "ERP connection failing",
                         f"{label}: the last test ({when}, {last.target}) {last.detail}.", "#erp")


def checklist(tenant: Tenant, links: list[LinkHealth], orphans: Orphans,
              groups: list[FixGroup]) -> list[ChecklistItem]:
    """The checklist from the page's own live reads (links' health, orphans, the error queue)."""
    broken = [h for h in links if h.state in (LinkState.GONE, LinkState.DISABLED)]
    unchecked = sum(1 for h in links if h.state is LinkState.UNCHECKED)
    link_sentence = (f"{len(links)} account{'s' if len(links) != 1 else ''} linked, {len(broken)} broken"
                     + (f" ({', '.join(h.crm_account_id for h in broken[:5])})" if broken else "")
                     + (f", {unchecked} not checked (the ERP did not answer)" if unchecked else "") + ".")
    waiting = sum(len(g.failures) for g in groups if g.reason != READY_GROUP)
    ready = sum(len(g.failures) for g in groups if g.reason == READY_GROUP)
    items = [
        _erp_item(tenant),
        ChecklistItem(bool(links) and not broken, "Accounts linked", link_sentence, "#links"),
        ChecklistItem(not orphans.accounts, "No orphans",
                      f"{len(orphans.accounts)} CRM account{'s' if len(orphans.accounts) != 1 else ''} with deals "
                      "and no link." if orphans.accounts else "Every account with deals that erp-panel can see is "
                      "linked.", "#orphans-title"),
        ChecklistItem(not waiting and not ready, "Failed orders",
                      f"{waiting} waiting for a fix, {ready} ready to replay." if waiting or ready
                      else "No failed won deals.", "#errors"),
    ]
    return items


def checklist_model(items: list[ChecklistItem]) -> dict[str, Any]:
    return {"items": items, "open": sum(1 for i in items if not i.done)}
