"""Customer invoices."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum


class InvoiceStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    PARTIAL = "partial"
    PAID = "paid"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Invoice:
    """One sales invoice; overdue is computed from due date and outstanding amount.

    ERP status flags such as ERPNext's "Overdue" are set by a daily job and can lag,
    so they are never trusted for is_overdue.
    """

    number: str
    customer_id: str
    issue_date: date | None                  # None when the ERP sends the field empty
    due_date: date | None
    currency: str
    total: Decimal
    outstanding: Decimal
    status: InvoiceStatus
    status_raw: str = ""

    def is_overdue(self, today: date) -> bool:
        """True when money is still owed and the due date has passed."""
        return (
            self.status in (InvoiceStatus.OPEN, InvoiceStatus.PARTIAL)
            and self.outstanding > 0
            and self.due_date is not None
            and self.due_date < today
        )

    def days_overdue(self, today: date) -> int:
        """Whole days past due (0 when not overdue)."""
        if not self.is_overdue(today) or self.due_date is None:
            return 0
        return (today - self.due_date).days
