"""Order readiness: will this open deal become an ERP order when it is won, and if not, who fixes what.

The order flow's own validation (``app.orders.validate``) plus advisory checks (customer price,
stock, credit room) give a list of items; each is a plain sentence naming what to change and who
changes it. A blocker stops the order after close, a warning does not but deserves a look, an
unchecked item says what could not be checked right now.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any


class Owner(StrEnum):
    """Who fixes a problem: the sales rep (deal data), the admin (erp-panel/ERP setup) or finance (credit)."""

    REP = "rep"
    ADMIN = "admin"
    FINANCE = "finance"


class Severity(StrEnum):
    BLOCKER = "blocker"        # the order would not be created
    WARNING = "warning"        # the order would be created, but something deserves a look
    UNCHECKED = "unchecked"    # a check could not run right now (the ERP or the CRM did not answer)


class ReadinessState(StrEnum):
    READY = "ready"
    WARNINGS = "warnings"
    BLOCKED = "blocked"
    #: nothing could be checked (the CRM or the ERP did not answer in time): no verdict, try again
    UNKNOWN = "could_not_check"


@dataclass(frozen=True)
class ReadinessItem:
    """One finding: ``message`` names what to fix and who fixes it (``owner``; None for unchecked items)."""

    severity: Severity
    reason: str
    message: str
    owner: Owner | None = None


@dataclass(frozen=True)
class LineFacts:
    """One deal line against the ERP: the quantity wanted against the stock available (summed across the
    warehouses; None when stock could not be read), the deal's net unit price against the customer's ERP
    price (None when there is none or it could not be read)."""

    sku: str
    name: str
    quantity: Decimal
    deal_price: Decimal
    currency: str
    available: Decimal | None = None
    customer_price: Decimal | None = None
    customer_currency: str = ""

    @property
    def short(self) -> Decimal | None:
        """How many units the stock lacks (0 when enough; None when unknown)."""
        if self.available is None:
            return None
        return max(self.quantity - self.available, Decimal(0))


_ORDER = {Severity.BLOCKER: 0, Severity.WARNING: 1, Severity.UNCHECKED: 2}


@dataclass(frozen=True)
class Readiness:
    """The readiness of one deal at ``checked_at``."""

    crm_deal_id: str
    state: ReadinessState
    checked_at: datetime
    items: tuple[ReadinessItem, ...] = field(default_factory=tuple)
    deal_title: str = ""
    deal_status: str = ""
    deal_won: bool = False
    crm_account_id: str = ""
    erp_customer_id: str = ""
    #: what the order would be worth (the deal's lines after discounts) and in which currency
    amount: Decimal | None = None
    currency: str = ""
    lines: tuple[LineFacts, ...] = field(default_factory=tuple)

    @classmethod
    def from_items(cls, crm_deal_id: str, items: list[ReadinessItem], checked_at: datetime,
                   **deal: Any) -> Readiness:
        """The verdict of these findings: blocked if any blocks, else warnings if any (unchecked ones included)."""
        ordered = tuple(sorted(items, key=lambda i: _ORDER[i.severity]))
        if any(i.severity == Severity.BLOCKER for i in ordered):
            state = ReadinessState.BLOCKED
        elif ordered:
            state = ReadinessState.WARNINGS
        else:
            state = ReadinessState.READY
        return cls(crm_deal_id, state, checked_at, ordered, **deal)

    @classmethod
    def unknown(cls, crm_deal_id: str, message: str, checked_at: datetime, reason: str) -> Readiness:
        """No verdict: the CRM or the ERP did not answer (in time)."""
        return cls(crm_deal_id, ReadinessState.UNKNOWN, checked_at,
                   (ReadinessItem(Severity.UNCHECKED, reason, message),))

    @property
    def summary(self) -> str:
        """One sentence for the top of the readiness block."""
        blockers = sum(1 for i in self.items if i.severity == Severity.BLOCKER)
        others = len(self.items) - blockers
        if self.state == ReadinessState.READY:
            return "Ready: when this deal is won, its ERP order will be created as it stands."
        if self.state == ReadinessState.UNKNOWN:
            return "Could not check this deal right now; the panel tries again when it is opened again."
        if self.state == ReadinessState.BLOCKED:
            extra = f" ({others} more to look at)" if others else ""
            return (f"Blocked: {_count(blockers, 'problem')} must be fixed or no ERP order can be created "
                    f"when the deal is won{extra}.")
        verb = "deserves" if others == 1 else "deserve"
        return f"The order would be created, but {_count(others, 'point')} {verb} a look first."


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
