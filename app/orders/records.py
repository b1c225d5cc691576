"""Order records per (tenant, deal) and the per-deal lock that guards order creation.

The lock is a lease on the order-record row, taken with one compare-and-set
UPDATE (works the same on SQLite and PostgreSQL, and never holds a database
transaction open while the ERP is called - on SQLite that would block every
webhook). A killed worker's lock expires; whoever takes it next first asks the
ERP for the order by its idempotency key, so an order the dead worker created is
adopted, not duplicated. The lock lease is much longer than the ERP timeout, so
it cannot expire during a live create call.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from app.clock import Clock
from app.domain.ids import idempotency_key
from app.orders.tables import order_records
from app.storage.db import Database, insert_or_ignore

QUEUED, CREATED, WRITTEN_BACK, FAILED, SHADOW = "queued", "created", "written_back", "failed", "shadow"


@dataclass(frozen=True)
class OrderRecord:
    tenant_id: str
    crm_deal_id: str
    idempotency_key: str
    state: str
    erp_order_number: str | None
    erp_status: str | None
    erp_status_raw: str | None
    credit_flagged: bool
    failure_reason: str | None
    failure_text: str | None
    deal_value: str | None
    deal_currency: str | None
    shadow_order: dict[str, Any] | None
    shadow_write_back: dict[str, Any] | None
    written_back_at: datetime | None
    order_stage: str | None
    order_progress: dict[str, Any] | None
    stage_seen_at: datetime | None
    not_won_since: datetime | None
    not_won_status: str | None
    cancel_requested_at: datetime | None
    lock_token: str | None
    lock_expires_at: datetime | None
    correlation_id: str
    created_at: datetime
    updated_at: datetime


class OrderRecords:
    """Reads and writes order records; writes join the caller's transaction."""

    def __init__(self, db: Database, clock: Clock):
        self.db = db
        self.clock = clock

    def ensure(self, conn: sa.Connection, tenant_id: str, crm_deal_id: str, correlation_id: str) -> None:
        """Create the record for a deal if it does not exist yet."""
        now = self.clock.now()
        insert_or_ignore(conn, order_records, dict(
            tenant_id=tenant_id, crm_deal_id=crm_deal_id, idempotency_key=idempotency_key(tenant_id, crm_deal_id),
            state=QUEUED, credit_flagged=False, correlation_id=correlation_id, created_at=now, updated_at=now))

    def get(self, tenant_id: str, crm_deal_id: str, conn: sa.Connection | None = None) -> OrderRecord | None:
        query = sa.select(order_records).where(order_records.c.tenant_id == tenant_id,
                                               order_records.c.crm_deal_id == crm_deal_id)
        if conn is not None:
            row = conn.execute(query).first()
        else:
            with self.db.read() as own:
                row = own.execute(query).first()
        return OrderRecord(**row._mapping) if row else None

    def update(self, conn: sa.Connection, tenant_id: str, crm_deal_id: str, **values: Any) -> None:
        values["updated_at"] = self.clock.now()
        conn.execute(order_records.update().where(order_records.c.tenant_id == tenant_id,
                                                  order_records.c.crm_deal_id == crm_deal_id).values(**values))

    def note_deal_value(self, record: OrderRecord, value: Decimal, currency: str) -> None:
        """Remember what the deal is worth (alerts name it); writes only when it differs from ``record``."""
        text, code = str(value)[:40], (currency or "")[:3].upper() or None
        if (record.deal_value, record.deal_currency) == (text, code):
            return
        with self.db.write() as conn:
            conn.execute(order_records.update().where(
                order_records.c.tenant_id == record.tenant_id, order_records.c.crm_deal_id == record.crm_deal_id)
                .values(deal_value=text, deal_currency=code))

    def list(self, tenant_id: str, *, state: str | None = None, limit: int = 200) -> list[OrderRecord]:
        query = sa.select(order_records).where(order_records.c.tenant_id == tenant_id)
        if state:
            query = query.where(order_records.c.state == state)
        with self.db.read() as conn:
            rows = conn.execute(query.order_by(order_records.c.updated_at.desc()).limit(limit)).all()
        return [OrderRecord(**r._mapping) for r in rows]

    # -- the per-deal lock ---------------------------------------------------------
    def lock(self, tenant_id: str, crm_deal_id: str, seconds: float) -> tuple[str, OrderRecord] | None:
        """Take the deal's lock for ``seconds``: (token, the record as locked), or None while someone else
        holds it. One UPDATE ... RETURNING (the record is created first only if intake did not)."""
        now = self.clock.now()
        token = uuid.uuid4().hex
        statement = order_records.update().where(
            order_records.c.tenant_id == tenant_id, order_records.c.crm_deal_id == crm_deal_id,
            sa.or_(order_records.c.lock_token.is_(None), order_records.c.lock_expires_at <= now),
        ).values(lock_token=token, lock_expires_at=now + timedelta(seconds=seconds)).returning(*order_records.c)
        with self.db.write() as conn:
            row = conn.execute(statement).first()
            if row is None and self.get(tenant_id, crm_deal_id, conn=conn) is None:
                self.ensure(conn, tenant_id, crm_deal_id, correlation_id="")
                row = conn.execute(statement).first()
        return (token, OrderRecord(**row._mapping)) if row is not None else None

    def settle(self, conn: sa.Connection, tenant_id: str, crm_deal_id: str, token: str, **values: Any) -> bool:
        """Record an outcome and release the deal's lock in one UPDATE, only while the lock is ours
        (a worker whose lock expired meanwhile leaves the record to the one holding it now)."""
        values.update(lock_token=None, lock_expires_at=None, updated_at=self.clock.now())
        result = conn.execute(order_records.update().where(
            order_records.c.tenant_id == tenant_id, order_records.c.crm_deal_id == crm_deal_id,
            order_records.c.lock_token == token).values(**values))
        return result.rowcount == 1

    def unlock(self, conn: sa.Connection, tenant_id: str, crm_deal_id: str, token: str) -> bool:
        """Release the lock if it is still ours (inside the transaction that records the outcome)."""
        result = conn.execute(order_records.update().where(
            order_records.c.tenant_id == tenant_id, order_records.c.crm_deal_id == crm_deal_id,
            order_records.c.lock_token == token).values(lock_token=None, lock_expires_at=None))
        return result.rowcount == 1
