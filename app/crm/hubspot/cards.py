"""The app card's data: the shared panel model for a company, or for a deal's company.

The card (widgets/hubspot/) posts ``{objectTypeId, objectId}`` with ``hubspot.fetch`` (HubSpot appends
the portal to the signed URL); HubSpot allows 15 s and 1 MB per call (https://developers.hubspot.com/docs/apps/developer-platform/add-features/ui-extensibility/fetching-data),
so the answer comes from the read service's cache (cold reads are parallel and bounded by
ERP_TIMEOUT), list sections are capped, and the deal -> company association is cached too.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from app.cache.backend import CacheBackend, CacheEntry
from app.clock import Clock
from app.crm.hubspot.connector import HubSpotConnector
from app.crm.links import AccountLinkPickup
from app.errors import UpstreamError
from app.panel.figures import ALL_FULL, Levels, restrict
from app.panel.present import panel_dict
from app.panel.service import PanelService
from app.tenants.model import Tenant

#: HubSpot object type ids / names -> what the card shows
OBJECT_KINDS = {"0-2": "company", "companies": "company", "company": "company",
                "0-3": "deal", "deals": "deal", "deal": "deal"}
ASSOCIATION_TTL = 300
MAX_ROWS = 25


class UnsupportedObject(ValueError):
    """The card was opened on a record type it does not support."""


def object_kind(object_type: str) -> str:
    kind = OBJECT_KINDS.get(str(object_type).strip().lower())
    if kind is None:
        raise UnsupportedObject(f"The ERP card works on companies and deals, not {object_type!r}")
    return kind


def cap_rows(panel: dict[str, Any], limit: int = MAX_ROWS) -> dict[str, int]:
    """Keep each list section to ``limit`` rows (1 MB response cap); returns the full counts cut."""
    cut = {}
    for name, section in panel["sections"].items():
        rows = section.get("data")
        if isinstance(rows, list) and len(rows) > limit:
            cut[name] = len(rows)
            section["data"] = rows[:limit]
    return cut


class CardData:
    """Builds the card model for one record."""

    def __init__(self, panel_service: PanelService, cache: CacheBackend, clock: Clock,
                 connector_for: Callable[[Tenant], HubSpotConnector], pickup: AccountLinkPickup):
        self.panel = panel_service
        self.cache = cache
        self.clock = clock
        self.connector_for = connector_for
        #: a link made in the company's ERP id property is picked up when the card opens
        self.pickup = pickup

    def company_of_deal(self, tenant: Tenant, deal_id: str) -> str | None:
        """The deal's company id via the v3 associations API, cached for a few minutes."""
        key = f"{tenant.id}:hubspot:deal-company:{deal_id}"
        entry = self.cache.get(key)
        if entry is not None:
            return entry.value or None
        company = self.connector_for(tenant).company_for_deal(deal_id)
        self.cache.set(key, CacheEntry(value=company or "", fetched_at=self.clock.now(), source="hubspot"),
                       keep_seconds=ASSOCIATION_TTL)
        return company

    def build(self, tenant: Tenant, object_type: str, object_id: str, *, refresh: bool = False,
              levels: Levels = ALL_FULL) -> dict[str, Any]:
        """``{object_type, object_id, company_id, panel|None, message, reason, truncated}``; ``company_id`` is
        the HubSpot company the panel shows (the CRM account); ``levels``: what the card's viewer may see of
        each section (role-based figures)."""
        kind = object_kind(object_type)
        model: dict[str, Any] = {"object_type": kind, "object_id": str(object_id), "company_id": None,
                                 "panel": None, "message": "", "reason": "", "truncated": {}}
        crm_account_id: str | None = str(object_id)
        if kind == "deal":
            try:
                crm_account_id = self.company_of_deal(tenant, str(object_id))
            except UpstreamError as exc:
                model.update(reason=exc.reason,
                             message="HubSpot could not tell which company this deal belongs to; try again shortly.")
                return model
            if crm_account_id is None:
                model.update(reason="no_company", message="Associate a company with this deal to see its ERP data.")
                return model
        model["company_id"] = account = str(crm_account_id)
        self.pickup.sync(tenant, account, lambda: self.connector_for(tenant).get_account(account))
        view = self.panel.refresh(tenant, account) if refresh else self.panel.read(tenant, account)
        panel = panel_dict(restrict(view, levels, self.today()), self.today())
        model["truncated"] = cap_rows(panel)
        model["panel"] = panel
        return model

    def today(self) -> date:
        return self.clock.now().date()
