"""Won-deal detection in HubSpot webhook batches.

Payload (https://developers.hubspot.com/docs/api/webhooks): a JSON array of up
to 100 events ``{eventId, subscriptionId, portalId, appId, occurredAt (ms), subscriptionType,
attemptNumber, objectId, propertyName, propertyValue, changeSource}``. The field table calls the
type ``eventType`` while examples use ``subscriptionType``; both are read. Project apps on the
new developer platform send ``object.propertyChange`` with ``objectTypeId`` "0-3" for deals.

``eventId`` is documented as *not unique*, so the id we hand the intake combines it with the
deal and ``occurredAt``; the intake's (tenant, deal) dedupe does the rest.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from app.domain.events import DealWon
from app.errors import BadRequest

MAX_BATCH = 100
DEAL_STAGE = "dealstage"
DEAL_OBJECT_TYPE_ID = "0-3"


def _bad_payload(message: str, reason: str = "bad_webhook_payload") -> BadRequest:
    """Not a HubSpot event batch; ``reason`` is a stable code."""
    return BadRequest(message, reason=reason)


@dataclass(frozen=True)
class StageChange:
    """A deal's ``dealstage`` changed (not yet known to be a won stage)."""

    portal_id: str
    deal_id: str
    stage_id: str
    event_id: str
    occurred_at: datetime

    def won_event(self, tenant_id: str) -> DealWon:
        unique = f"{self.event_id}:{self.deal_id}:{int(self.occurred_at.timestamp() * 1000)}"
        return DealWon(tenant_id=tenant_id, crm_deal_id=self.deal_id, event_id=unique,
                       occurred_at=self.occurred_at, crm="hubspot")


def _is_deal_stage_change(event: dict) -> bool:
    kind = str(event.get("subscriptionType") or event.get("eventType") or "")
    if event.get("propertyName") != DEAL_STAGE:
        return False
    if kind == "deal.propertyChange":
        return True
    return kind == "object.propertyChange" and str(event.get("objectTypeId", "")) == DEAL_OBJECT_TYPE_ID


def stage_changes(batch: object) -> tuple[list[StageChange], int]:
    """The ``dealstage`` changes in a batch, and how many other events it held."""
    if not isinstance(batch, list):
        raise _bad_payload("A HubSpot webhook body is a JSON array of events")
    if len(batch) > MAX_BATCH:
        raise _bad_payload(f"HubSpot sends at most {MAX_BATCH} events per request", "batch_too_large")
    changes: list[StageChange] = []
    others = 0
    for event in batch:
        if not isinstance(event, dict):
            raise _bad_payload("Every webhook event must be a JSON object")
        if not _is_deal_stage_change(event):
            others += 1
            continue
        try:
            occurred = datetime.fromtimestamp(int(event["occurredAt"]) / 1000, tz=UTC)
            changes.append(StageChange(portal_id=str(int(event["portalId"])), deal_id=str(int(event["objectId"])),
                                       stage_id=str(event.get("propertyValue") or ""),
                                       event_id=str(event.get("eventId", "")), occurred_at=occurred))
        except (KeyError, TypeError, ValueError, OverflowError, OSError):   # out-of-range epochs included
            raise _bad_payload("A dealstage event lacks portalId, objectId or occurredAt") from None
    return changes, others


COMPANY_OBJECT_TYPE_ID = "0-2"


@dataclass(frozen=True)
class CompanyPropertyChange:
    """A company property changed (the ERP id property is the one erp-panel acts on)."""

    portal_id: str
    company_id: str
    property_name: str
    value: str


def company_property_changes(batch: object) -> list[CompanyPropertyChange]:
    """The company property changes in a batch ``stage_changes`` accepted (legacy ``company.propertyChange``
    or ``object.propertyChange`` on object type 0-2); malformed ones are skipped."""
    found: list[CompanyPropertyChange] = []
    for event in batch if isinstance(batch, list) else []:
        kind = str(event.get("subscriptionType") or event.get("eventType") or "")
        if not (kind == "company.propertyChange" or (kind == "object.propertyChange" and str(
                event.get("objectTypeId", "")) == COMPANY_OBJECT_TYPE_ID)):
            continue
        try:
            found.append(CompanyPropertyChange(str(int(event["portalId"])), str(int(event["objectId"])),
                                               str(event.get("propertyName") or ""),
                                               str(event.get("propertyValue") or "")))
        except (KeyError, TypeError, ValueError):
            continue
    return found
