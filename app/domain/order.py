"""Sales orders: what we ask the ERP to create and what it answers."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum


class OrderStatus(StrEnum):
    """Canonical order status; the raw ERP status is always kept beside it."""

    DRAFT = "draft"
    PENDING = "pending"
    OPEN = "open"
    FULFILLED = "fulfilled"
    CLOSED = "closed"
    CANCELLED = "cancelled"
    ON_HOLD = "on_hold"


@dataclass(frozen=True)
class OrderLine:
    item_code: str
    quantity: Decimal
    unit_price: Decimal
    description: str = ""
    discount_percent: Decimal = Decimal("0")

    @property
    def amount(self) -> Decimal:
        """Line total after discount."""
        return self.quantity * self.unit_price * (Decimal(100) - self.discount_percent) / Decimal(100)


@dataclass(frozen=True)
class OrderRequest:
    """An ERP sales order to create for a won deal."""

    customer_id: str
    currency: str
    lines: tuple[OrderLine, ...]
    idempotency_key: str
    crm_deal_id: str
    title: str = ""
    order_date: date | None = None
    delivery_date: date | None = None
    correlation_id: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0"))


@dataclass(frozen=True)
class OrderResult:
    """The ERP's answer: its order number and status, and whether this call created it."""

    idempotency_key: str
    erp_id: str
    order_number: str
    status: OrderStatus
    status_raw: str
    created_now: bool
    total: Decimal | None = None
    currency: str = ""
