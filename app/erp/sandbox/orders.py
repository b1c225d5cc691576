"""Where the sandbox ERP keeps the sales orders it accepted.

Like ERPNext's po_no, the idempotency key is NOT unique here: the sandbox
accepts a second order with the same reference, so only the connector's
lookup-before-create (and the order flow's locking) keeps orders single. Tests
count orders per reference to prove that.
"""
from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from app.storage.db import Database
from app.storage.metadata import UTCDateTime, metadata

sandbox_orders = sa.Table(
    "sandbox_orders", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("book", sa.String(64), nullable=False, default="default"),
    sa.Column("idempotency_key", sa.String(140), nullable=False, index=True),
    sa.Column("customer_id", sa.String(140), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("total", sa.Numeric(18, 4), nullable=False),
    sa.Column("status", sa.String(40), nullable=False),
    sa.Column("lines", sa.JSON, nullable=False),
    sa.Column("correlation_id", sa.String(64), nullable=False, default=""),
    sa.Column("created_at", UTCDateTime, nullable=False),
    #: what happened to the order since: {"delivered": "<qty>", "invoices": [{number, amount, outstanding}]}
    sa.Column("progress", sa.JSON, nullable=True),
)


@dataclass(frozen=True)
class StoredOrder:
    order_number: str
    idempotency_key: str
    customer_id: str
    currency: str
    total: Decimal
    status: str
    lines: list
    correlation_id: str
    created_at: datetime
    progress: dict = field(default_factory=dict)


def order_number(seq: int) -> str:
    return f"SO-{seq:05d}"


class MemoryOrderBook:
    """Process-local order book (unit tests, benchmarks)."""

    def __init__(self) -> None:
        self._orders: list[StoredOrder] = []
        self._lock = threading.Lock()

    def add(self, **fields: Any) -> StoredOrder:
        with self._lock:
            order = StoredOrder(order_number=order_number(len(self._orders) + 1), **fields)
            self._orders.append(order)
            return order

    def find(self, idempotency_key: str) -> list[StoredOrder]:
        with self._lock:
            return [o for o in self._orders if o.idempotency_key == idempotency_key]

    def find_many(self, keys: Sequence[str]) -> list[StoredOrder]:
        """Every order carrying one of these references (one read)."""
        wanted = set(keys)
        with self._lock:
            return [o for o in self._orders if o.idempotency_key in wanted]

    def change(self, number: str, *, status: str, progress: dict) -> None:
        """Move an order on (status and progress), as people in the ERP would."""
        with self._lock:
            self._orders = [replace(o, status=status, progress=progress) if o.order_number == number else o
                            for o in self._orders]

    def all(self) -> list[StoredOrder]:
        with self._lock:
            return list(self._orders)


class SqlOrderBook:
    """Order book in the app database, shared by web and worker processes (demo, scale-out tests)."""

    def __init__(self, db: Database, book: str = "default"):
        self.db = db
        self.book = book

    def add(self, **fields: Any) -> StoredOrder:
        with self.db.write() as conn:
            result = conn.execute(sandbox_orders.insert().values(book=self.book, **fields))
            key = result.inserted_primary_key
            if key is None:
                raise RuntimeError("the sandbox_orders insert returned no primary key")
            seq = key[0]
        return StoredOrder(order_number=order_number(seq), **fields)

    def find(self, idempotency_key: str) -> list[StoredOrder]:
        with self.db.read() as conn:
            rows = conn.execute(sa.select(sandbox_orders).where(
                sandbox_orders.c.book == self.book, sandbox_orders.c.idempotency_key == idempotency_key)
                .order_by(sandbox_orders.c.id)).all()
        return [_stored(r) for r in rows]

    def find_many(self, keys: Sequence[str]) -> list[StoredOrder]:
        """Every order carrying one of these references (one query)."""
        with self.db.read() as conn:
            rows = conn.execute(sa.select(sandbox_orders).where(
                sandbox_orders.c.book == self.book, sandbox_orders.c.idempotency_key.in_(list(keys)))
                .order_by(sandbox_orders.c.id)).all()
        return [_stored(r) for r in rows]

    def change(self, number: str, *, status: str, progress: dict) -> None:
        """Move an order on (status and progress), as people in the ERP would."""
        with self.db.write() as conn:
            conn.execute(sandbox_orders.update().where(sandbox_orders.c.book == self.book,
                                                       sandbox_orders.c.id == int(number.removeprefix("SO-")))
                         .values(status=status, progress=progress))

    def all(self) -> list[StoredOrder]:
        with self.db.read() as conn:
            rows = conn.execute(sa.select(sandbox_orders).where(sandbox_orders.c.book == self.book)
                                .order_by(sandbox_orders.c.id)).all()
        return [_stored(r) for r in rows]


def _stored(row: sa.Row[Any]) -> StoredOrder:
    return StoredOrder(order_number=order_number(row.id), idempotency_key=row.idempotency_key,
                       customer_id=row.customer_id, currency=row.currency, total=Decimal(str(row.total)),
                       status=row.status, lines=row.lines, correlation_id=row.correlation_id,
                       created_at=row.created_at, progress=row.progress or {})
