"""Retention: rows older than their table's keep period are deleted by the worker, in small batches.

Won events in the inbox and audit rows (order steps and admin actions) are kept
``RETENTION_DAYS_INBOX`` / ``RETENTION_DAYS_AUDIT`` days (90 by default; logs of every transaction are kept at least 90 days); the operations
signals (``ops_counts``) 8 days, enough for every alert window and a week of history. Each
batch is its own short transaction (``DELETE ... WHERE id IN (SELECT id ... LIMIT n)``, the
same on SQLite and PostgreSQL), so webhook intake never waits long for the write lock, and a
run stops after ``max_batches`` batches per table to give the worker back to order jobs; the
next run continues.

An inbox row only deduplicates redeliveries; once it is gone a very late redelivery of the same
won event finds the deal's order record (and the ERP order by its idempotency key), so no second
order is created.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa

from app.clock import Clock
from app.ops.metrics import RETENTION_DELETED
from app.ops.tables import admin_audit, ops_counts
from app.orders.tables import order_audit, order_inbox
from app.storage.db import Database

if TYPE_CHECKING:
    from app.config import Settings

log = logging.getLogger("erp_panel.ops")

SIGNAL_DAYS = 8


@dataclass(frozen=True)
class Target:
    """Rows of ``table`` whose ``column`` is older than ``days`` are deleted."""

    table: sa.Table
    column: str
    days: int


def default_targets(settings: Settings) -> list[Target]:
    """What is kept how long under these settings."""
    return [Target(order_inbox, "received_at", settings.retention_days_inbox),
            Target(order_audit, "at", settings.retention_days_audit),
            Target(admin_audit, "at", settings.retention_days_audit),
            Target(ops_counts, "bucket", SIGNAL_DAYS)]


class Retention:
    """Deletes expired rows of each target in batches of ``batch_size``."""

    def __init__(self, db: Database, clock: Clock, targets: list[Target], *, batch_size: int = 500,
                 max_batches: int = 20):
        self.db = db
        self.clock = clock
        self.targets = targets
        self.batch_size = batch_size
        self.max_batches = max_batches

    def run_once(self) -> dict[str, int]:
        """One pass over every target; returns rows deleted per table."""
        deleted = {}
        for target in self.targets:
            deleted[target.table.name] = self._expire(target)
        if any(deleted.values()):
            log.info("retention deleted expired rows", extra={"ctx": {"deleted": deleted}})
        return deleted

    def _expire(self, target: Target) -> int:
        cutoff = self.clock.now() - timedelta(days=target.days)
        column = target.table.c[target.column]
        keys = list(target.table.primary_key.columns)
        total = 0
        for _ in range(self.max_batches):
            batch = sa.select(*keys).where(column < cutoff).limit(self.batch_size)
            if len(keys) == 1:
                condition = keys[0].in_(batch.scalar_subquery())
            else:
                condition = sa.tuple_(*keys).in_(batch)
            with self.db.write() as conn:
                count = conn.execute(target.table.delete().where(condition)).rowcount
            total += count
            RETENTION_DELETED.labels(target.table.name).inc(count)
            if count < self.batch_size:
                break
        return total
