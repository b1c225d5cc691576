"""A stand-in for the order intake that records the DealWon events it is given (CRM webhook tests)."""
from __future__ import annotations

import pytest

from app.domain.events import DealLeftWon, DealWon
from app.orders.intake import ACCEPTED, DUPLICATE_DEAL, IntakeResult


class RecordingIntake:
    """Records events and dedupes by (tenant, deal) like the real intake."""

    def __init__(self) -> None:
        self.events: list[DealWon] = []
        self.left: list[DealLeftWon] = []
        self._deals: set[tuple[str, str]] = set()

    def left_won(self, event: DealLeftWon) -> None:
        self.left.append(event)

    def accept(self, event: DealWon) -> IntakeResult:
        key = (event.tenant_id, event.crm_deal_id)
        duplicate = key in self._deals
        self._deals.add(key)
        self.events.append(event)
        return IntakeResult(DUPLICATE_DEAL if duplicate else ACCEPTED, None)


@pytest.fixture
def intake(services, monkeypatch) -> RecordingIntake:
    """The app's order intake replaced by a recorder for one test."""
    recorder = RecordingIntake()
    monkeypatch.setattr(services.orders, "intake", recorder)
    return recorder
