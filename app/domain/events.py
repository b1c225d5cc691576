"""Canonical events produced by CRM adapters."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class DealWon:
    """A CRM said a deal became won. Treated as a hint: the deal is re-read before acting."""

    tenant_id: str
    crm_deal_id: str
    event_id: str
    occurred_at: datetime
    crm: str = ""


@dataclass(frozen=True)
class DealLeftWon:
    """A CRM said a deal moved away from won (reopened or lost). A hint too: the deal is re-read, and only a
    deal whose ERP order exists is looked at; nothing in the ERP is changed because of it."""

    tenant_id: str
    crm_deal_id: str
    status: str = ""
    crm: str = ""
