"""Admin audit: who did what to an installation's setup, when, and the values before and after.

``AdminAuditLog.record`` is the one way an admin action is written down; every admin write path
(settings page, admin API, CLI, the CRM's own admin pages) calls it after the change succeeded,
through a ``BoundAudit`` that carries the verified actor. Values pass ``mask_secrets`` on the way in,
so a secret never reaches the table even when a caller forgets to leave it out: secret settings
appear only as "set" / "changed" / "unchanged" / "removed" (``secret_states``).
"""
from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from app.clock import Clock
from app.ops.tables import admin_audit
from app.storage.db import Database

#: every action an admin can take, with the label the settings page shows (one vocabulary)
ACTIONS: dict[str, str] = {
    "settings.update": "Order behaviour changed",
    "erp_connection.save": "ERP connection saved",
    "erp_connection.test": "ERP connection tested",
    "link.save": "Account link saved",
    "link.remove": "Account link removed",
    "dead_letter.replay": "Failed event replayed",
    "dead_letter.replay_all": "All failed events replayed",
    "order.cancel_request": "ERP order cancellation requested",
    "reconciliation.run": "Reconciliation run requested",
    "alerts.save": "Alert settings saved",
    "alerts.test": "Test alert sent",
    "figures.save": "Who sees which figures changed",
    "crm_fields.save": "CRM fields chosen",
    "crm.install": "CRM app installed",
    "crm.uninstall": "CRM app disconnected",
    "session.sign_out": "Admin signed out",
    "operator.sign_in": "Operator signed in",
    "operator.sign_out": "Operator signed out",
}
#: where an action came from
SOURCES = ("settings_page", "admin_api", "operations_page", "crm_page", "crm", "cli")

#: key names treated as secret wherever they appear in before/after values
SECRET_WORDS = ("secret", "password", "token", "api_key", "apikey", "private_key", "webhook_url", "credential")
#: what a masked secret shows instead of its value
SECRET_STATES = frozenset({"set", "not set", "changed", "unchanged", "removed", "masked"})
MAX_VALUES_CHARS = 16_000
MAX_FIELD = 200
MAX_DETAIL = 1000
MAX_RESULTS = 1000


@dataclass(frozen=True)
class Actor:
    """Who acts: a CRM user id from a verified admin session, ``operator``, ``cli``, or the CRM itself."""

    user_id: str
    source: str


#: the command line (``erp-panel jobs replay``): whoever can run it operates the deployment
CLI_ACTOR = Actor("cli", "cli")


@dataclass(frozen=True)
class AdminAction:
    """One recorded admin action (``before``/``after`` already masked)."""

    id: int
    tenant_id: str | None
    at: datetime
    actor: str
    source: str
    action: str
    target: str
    before: dict[str, Any]
    after: dict[str, Any]
    detail: str

    @property
    def label(self) -> str:
        return ACTIONS.get(self.action, self.action)


def _is_secret_name(name: str, secret_names: Collection[str]) -> bool:
    lowered = name.lower()
    return name in secret_names or any(word in lowered for word in SECRET_WORDS)


def mask_secrets(value: Any, secret_names: Collection[str] = ()) -> Any:
    """A copy of ``value`` with every secret-named key's value replaced by its state ("set"/"not set"),
    keeping states already given (``secret_states``)."""
    if isinstance(value, Mapping):
        masked: dict[str, Any] = {}
        for key, item in value.items():
            if not _is_secret_name(str(key), secret_names):
                masked[str(key)] = mask_secrets(item, secret_names)
            elif isinstance(item, Mapping):          # e.g. "secrets": every value inside is one
                masked[str(key)] = {str(k): _state(v) for k, v in item.items()}
            else:
                masked[str(key)] = _state(item)
        return masked
    if isinstance(value, list | tuple):
        return [mask_secrets(item, secret_names) for item in value]
    return value


def _state(value: Any) -> str:
    """A secret's value as its state: a state word stays, anything else is "set" or "not set"."""
    if isinstance(value, str) and value in SECRET_STATES:
        return value
    return "set" if value else "not set"


def secret_states(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """Secrets before and after a change, as states only: before "set"/"not set", after
    "changed"/"unchanged"/"removed"/"set"/"not set". The values are compared here and never kept."""
    old, new = {}, {}
    for name in sorted(set(before) | set(after)):
        had, has = before.get(name) or "", after.get(name) or ""
        old[name] = "set" if had else "not set"
        if had and has:
            new[name] = "unchanged" if had == has else "changed"
        else:
            new[name] = "set" if has else ("removed" if had else "not set")
    return old, new


def changed_values(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the keys whose values differ, before and after."""
    keys = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


def _dump(values: Mapping[str, Any] | None) -> str:
    if not values:
        return ""
    text = json.dumps(mask_secrets(values), sort_keys=True, default=str, ensure_ascii=False)
    if len(text) > MAX_VALUES_CHARS:
        return json.dumps({"truncated": True, "keys": sorted(values)[:50]}, default=str)
    return text


def _load(text: str) -> dict[str, Any]:
    return json.loads(text) if text else {}


class AdminAuditLog:
    """Append-only trail of admin actions; searchable per installation."""

    def __init__(self, db: Database, clock: Clock):
        self.db = db
        self.clock = clock

    def by(self, actor: Actor) -> BoundAudit:
        """A recorder for one verified actor."""
        return BoundAudit(self, actor)

    def record(self, tenant_id: str | None, actor: Actor, action: str, *, target: str = "",
               before: Mapping[str, Any] | None = None, after: Mapping[str, Any] | None = None,
               detail: str = "") -> None:
        """Append one action (its own transaction); secrets in ``before``/``after`` are masked."""
        if action not in ACTIONS:
            raise ValueError(f"unknown admin action {action!r}: add it to ACTIONS")
        if actor.source not in SOURCES:
            raise ValueError(f"unknown audit source {actor.source!r}")
        with self.db.write() as conn:
            conn.execute(admin_audit.insert().values(
                tenant_id=tenant_id, at=self.clock.now(), actor=actor.user_id[:MAX_FIELD], source=actor.source,
                action=action, target=str(target)[:MAX_FIELD], before=_dump(before), after=_dump(after),
                detail=detail[:MAX_DETAIL]))

    def search(self, tenant_id: str | None, *, actor: str | None = None, action: str | None = None,
               since: datetime | None = None, until: datetime | None = None,
               limit: int = 100) -> list[AdminAction]:
        """The installation's actions (operator-wide ones for ``None``), newest first. ``action`` matches
        an action or its family (``link`` finds ``link.save`` and ``link.remove``); ``until`` is exclusive."""
        table = admin_audit.c
        where = [table.tenant_id.is_(None) if tenant_id is None else table.tenant_id == tenant_id]
        if actor:
            where.append(table.actor == actor)
        if action:
            where.append(sa.or_(table.action == action, table.action.startswith(action + ".", autoescape=True)))
        if since is not None:
            where.append(table.at >= since)
        if until is not None:
            where.append(table.at < until)
        query = (sa.select(admin_audit).where(*where).order_by(table.at.desc(), table.id.desc())
                 .limit(max(1, min(limit, MAX_RESULTS))))
        with self.db.read() as conn:
            rows = conn.execute(query).all()
        return [AdminAction(id=r.id, tenant_id=r.tenant_id, at=r.at, actor=r.actor, source=r.source,
                            action=r.action, target=r.target, before=_load(r.before), after=_load(r.after),
                            detail=r.detail) for r in rows]


@dataclass(frozen=True)
class BoundAudit:
    """``AdminAuditLog.record`` for one actor: what services that change settings are given."""

    log: AdminAuditLog
    actor: Actor

    def record(self, tenant_id: str | None, action: str, *, target: str = "",
               before: Mapping[str, Any] | None = None, after: Mapping[str, Any] | None = None,
               detail: str = "") -> None:
        """Record ``action`` by this actor (see ``AdminAuditLog.record``)."""
        self.log.record(tenant_id, self.actor, action, target=target, before=before, after=after, detail=detail)
