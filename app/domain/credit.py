"""Customer credit status."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class HoldReason(StrEnum):
    """Why a customer cannot take new orders (none when not on hold)."""

    NONE = "none"
    BLOCKED = "blocked"
    FROZEN = "frozen"
    DISABLED = "disabled"
    CREDIT_HOLD = "credit_hold"
    OVER_LIMIT = "over_limit"


@dataclass(frozen=True)
class CustomerCredit:
    """Credit limit, balance and hold state of one ERP customer."""

    customer_id: str
    customer_name: str
    currency: str
    credit_limit: Decimal | None
    balance: Decimal
    overdue: Decimal
    on_hold: bool
    hold_reason: HoldReason = HoldReason.NONE
    hold_note: str = ""

    @property
    def available_credit(self) -> Decimal | None:
        """Limit minus balance, or None when the customer has no limit."""
        if self.credit_limit is None:
            return None
        return self.credit_limit - self.balance

    @property
    def over_limit(self) -> bool:
        """True when a limit exists and the balance exceeds it."""
        return self.credit_limit is not None and self.credit_limit > 0 and self.balance > self.credit_limit
