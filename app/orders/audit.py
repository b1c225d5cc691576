"""Audit log of the order pipeline plus the structured JSON log line for every step.

Details are short plain sentences and reason codes; never request/response
bodies, tokens or customer data beyond ids.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from app.clock import Clock
from app.orders.tables import order_audit
from app.storage.db import Database

log = logging.getLogger("erp_panel.orders")

MAX_DETAIL = 1000


@dataclass(frozen=True)
class AuditEntry:
    id: int
    tenant_id: str
    crm_deal_id: str
    event_id: str
    job_id: int | None
    correlation_id: str
    step: str
    outcome: str
    detail: str
    at: datetime


class AuditLog:
    """Append-only trail; ``record`` joins the caller's transaction when given one."""

    def __init__(self, db: Database, clock: Clock):
        self.db = db
        self.clock = clock
        self._pending: dict[str, list[dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def record(self, conn: sa.Connection | None, *, tenant_id: str, crm_deal_id: str, step: str, outcome: str,
               correlation_id: str, job_id: int | None = None, event_id: str = "", detail: str = "") -> None:
        """Append one step (inside ``conn`` if given, else in its own transaction) and log it."""
        values = self._entry(tenant_id=tenant_id, crm_deal_id=crm_deal_id, step=step, outcome=outcome,
                             correlation_id=correlation_id, job_id=job_id, event_id=event_id, detail=detail)
        if conn is None:
            with self.db.write() as own:
                own.execute(order_audit.insert().values(**values))
        else:
            conn.execute(order_audit.insert().values(**values))

    def defer(self, key: str, **fields: Any) -> None:
        """Log a step now; store it with the transaction that ends the job (``flush``).

        Keeps the worker to one write per job outcome instead of one per step, so
        webhook intake (a writer too) rarely waits on SQLite's single write lock.
        Steps of a job killed midway are only in the logs; its retry records its own.
        """
        entry = self._entry(**fields)
        with self._lock:
            self._pending.setdefault(key, []).append(entry)

    def flush(self, conn: sa.Connection, key: str) -> None:
        """Write the steps deferred under ``key`` inside the caller's transaction."""
        with self._lock:
            entries = self._pending.pop(key, [])
        if entries:
            conn.execute(order_audit.insert(), entries)

    def discard(self, key: str) -> None:
        with self._lock:
            self._pending.pop(key, None)

    def _entry(self, *, tenant_id: str, crm_deal_id: str, step: str, outcome: str, correlation_id: str,
               job_id: int | None = None, event_id: str = "", detail: str = "") -> dict[str, Any]:
        values = dict(tenant_id=tenant_id, crm_deal_id=crm_deal_id, event_id=event_id or "", job_id=job_id,
                      correlation_id=correlation_id, step=step, outcome=outcome,
                      detail=(detail or "")[:MAX_DETAIL], at=self.clock.now())
        level = logging.WARNING if outcome in ("failed", "dead", "retry") else logging.INFO
        log.log(level, "order %s %s", step, outcome, extra={"ctx": {
            "tenant_id": tenant_id, "crm_deal_id": crm_deal_id, "event_id": event_id, "job_id": job_id,
            "correlation_id": correlation_id, "step": step, "outcome": outcome, "detail": values["detail"]}})
        return values

    def trail(self, tenant_id: str, *, crm_deal_id: str | None = None, event_id: str | None = None,
              limit: int = 500) -> list[AuditEntry]:
        """Steps for a deal or an event of one tenant, oldest first.

        An event's trail includes every step of its deal (later steps carry the
        job's correlation id, not the event id).
        """
        query = sa.select(order_audit).where(order_audit.c.tenant_id == tenant_id)
        if event_id and not crm_deal_id:
            with self.db.read() as conn:
                deal = conn.execute(sa.select(order_audit.c.crm_deal_id).where(
                    order_audit.c.tenant_id == tenant_id, order_audit.c.event_id == event_id).limit(1)).scalar()
            if deal is None:
                return []
            crm_deal_id = deal
        if crm_deal_id:
            query = query.where(order_audit.c.crm_deal_id == crm_deal_id)
        with self.db.read() as conn:
            rows = conn.execute(query.order_by(order_audit.c.id).limit(limit)).all()
        return [AuditEntry(**row._mapping) for row in rows]
