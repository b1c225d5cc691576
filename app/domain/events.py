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
