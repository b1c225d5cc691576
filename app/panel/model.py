"""What the read service returns: four sections, each with its age and state."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from app.domain.credit import CustomerCredit


class DataKind(StrEnum):
    CREDIT = "credit"
    STOCK = "stock"
    INVOICES = "invoices"
    PRICING = "pricing"


class SectionState(StrEnum):
    OK = "ok"                    # fresh data
    STALE = "stale"              # last good data, ERP failing right now
    RETRYING = "retrying"        # ERP failed just now, nothing to show yet; asked again in retry_after seconds
    UNAVAILABLE = "unavailable"  # ERP failing and nothing recent enough to show
    NOT_FOUND = "not_found"      # the linked ERP customer does not exist
    NOT_LINKED = "not_linked"    # the CRM account has no ERP customer yet
    ERROR = "error"              # permanent problem (config, permissions)


@dataclass(frozen=True)
class Section:
    """One panel section."""

    kind: DataKind
    state: SectionState
    data: Any = None
    as_of: datetime | None = None
    age_seconds: float | None = None
    source: str = ""
    reason: str = ""
    message: str = ""
    #: seconds until the read service asks the ERP again (retrying sections; readers may re-load then)
    retry_after: float | None = None
    #: when the ERP stopped answering for this section (first failed fetch of the current streak)
    unreachable_since: datetime | None = None
    #: what this viewer may see of it (role-based figures): full, badges (``badges`` instead of data), hidden
    visibility: str = "full"
    badges: tuple[Any, ...] = ()

    @property
    def stale(self) -> bool:
        return self.state == SectionState.STALE


@dataclass(frozen=True)
class PanelView:
    """The ERP panel for one CRM account."""

    tenant_id: str
    crm_account_id: str
    erp_customer_id: str | None
    generated_at: datetime
    sections: dict[DataKind, Section] = field(default_factory=dict)
    #: the last credit the ERP gave, when the credit section has nothing to show (past its stale limit):
    #: its hold and the customer's name outlive the stale limit, with the time they were read
    last_credit: CustomerCredit | None = None
    last_credit_at: datetime | None = None
    #: the customer's name when the credit section's figures are not shown (role-based figures)
    shown_name: str = ""

    @property
    def linked(self) -> bool:
        return self.erp_customer_id is not None

    @property
    def credit(self) -> CustomerCredit | None:
        """The credit the credit section shows (fresh or stale), else None."""
        section = self.sections.get(DataKind.CREDIT)
        data = section.data if section is not None else None
        return data if isinstance(data, CustomerCredit) else None

    @property
    def customer_name(self) -> str:
        """The customer's name: kept when the credit figures are not shown, else from the credit section,
        else from the last good credit read."""
        if self.shown_name:
            return self.shown_name
        credit = self.credit or self.last_credit
        return credit.customer_name if credit is not None else ""
