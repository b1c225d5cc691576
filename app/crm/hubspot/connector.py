"""CRMConnector for one HubSpot installation: read the won deal, write the order back, set up.

Reads: ``GET /crm/v3/objects/deals/{id}?properties=..&associations=companies,line_items``, then
the line items in one ``POST /crm/v3/objects/line_items/batch/read`` (up to 100 ids; batch reads
cannot return associations, which line items do not need; a read, so retried like a GET) and the
first associated company. Write-back:
``PATCH /crm/v3/objects/deals/{id}`` with string property values (idempotent, so retried).
Doc: https://developers.hubspot.com/docs/api/crm/deals
"""
from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal
from typing import Any

from app.crm.api import CRMApi
from app.crm.base import MAX_WON_DEALS, CRMConnector, WriteBack
from app.crm.hubspot.mapping import (
    COMPANY_PROPERTIES,
    DEAL_PROPERTIES,
    LINE_ITEM_PROPERTIES,
    ORDER_PROPERTIES,
    account_from_hubspot,
    association_ids,
    deal_from_hubspot,
    property_definition,
)
from app.crm.hubspot.stages import WonStages
from app.domain.deal import Account, Deal, WonDeal
from app.errors import CRM, UpstreamError, UpstreamNotFound, UpstreamRejected

log = logging.getLogger("erp_panel.hubspot")

DEFAULT_ERP_PROPERTY = "erp_customer_id"
MAX_LINES = 100


class HubSpotConnector(CRMConnector):
    """Deal read and write-back for one tenant."""

    name = "hubspot"

    def __init__(self, client: CRMApi, stages: WonStages, *, erp_property: str = DEFAULT_ERP_PROPERTY):
        self.client = client
        self.stages = stages
        self.erp_property = erp_property

    def get_deal(self, crm_deal_id: str) -> Deal:
        """The deal with its line items and primary company, as HubSpot has it now."""
        deal = self.client.get(f"/crm/v3/objects/deals/{crm_deal_id}",
                               {"properties": ",".join(DEAL_PROPERTIES + tuple(ORDER_PROPERTIES)),
                                "associations": "companies,line_items"})
        lines = self._line_items(association_ids(deal, "line_items")[:MAX_LINES])
        company_ids = association_ids(deal, "companies")
        company = (self.client.get(f"/crm/v3/objects/companies/{company_ids[0]}",
                                   {"properties": f"name,domain,{self.erp_property}"}) if company_ids else None)
        return deal_from_hubspot(deal, lines, company, won_stage_ids=self.stages.won_ids(),
                                 erp_property=self.erp_property)

    def _line_items(self, ids: list[str]) -> list[dict]:
        """Line items in the deal's association order (batch read returns them in any order)."""
        if not ids:
            return []
        data = self.client.request("POST", "/crm/v3/objects/line_items/batch/read", idempotent=True,
                                   json={"properties": list(LINE_ITEM_PROPERTIES),
                                         "inputs": [{"id": i} for i in ids]})
        by_id = {str(item.get("id")): item for item in data.get("results", [])}
        missing = [i for i in ids if i not in by_id]
        if missing:
            raise UpstreamNotFound(f"HubSpot did not return line items {', '.join(missing[:5])} of this deal", side=CRM)
        return [by_id[i] for i in ids]

    def write_back(self, crm_deal_id: str, update: WriteBack, *, correlation_id: str = "") -> None:
        """PATCH the order number/status/failure reason onto the deal (empty string clears a value)."""
        properties = {"erp_order_number": update.order_number or "",
                      "erp_order_status": update.status_text or "",
                      "erp_failure_reason": update.failure_reason or ""}
        # delivery and invoice status only once the order moves (the properties are created on install)
        if update.delivery_status is not None:
            properties["erp_delivery_status"] = update.delivery_status
        if update.invoice_status is not None:
            properties["erp_invoice_status"] = update.invoice_status
        self.client.request("PATCH", f"/crm/v3/objects/deals/{crm_deal_id}", json={"properties": properties})

    def get_account(self, crm_account_id: str) -> Account:
        """``GET /crm/v3/objects/companies/{id}`` with name, domain, address and the ERP id property
        (https://developers.hubspot.com/docs/api/crm/companies)."""
        company = self.client.get(f"/crm/v3/objects/companies/{_safe_id(crm_account_id)}",
                                  {"properties": f"{COMPANY_PROPERTIES},{self.erp_property}"})
        return account_from_hubspot(company, self.erp_property)

    def write_erp_customer_id(self, crm_account_id: str, erp_customer_id: str) -> None:
        """``PATCH /crm/v3/objects/companies/{id}`` setting the ERP id property (idempotent, so retried).

        HubSpot refuses a property the portal does not have (400 ``PROPERTY_DOESNT_EXIST``); the message says
        which one to create.
        """
        try:
            self.client.patch(f"/crm/v3/objects/companies/{_safe_id(crm_account_id)}",
                              {"properties": {self.erp_property: erp_customer_id}})
        except UpstreamRejected as exc:
            if "does not exist" not in exc.message and "PROPERTY_DOESNT_EXIST" not in (exc.vendor_code or ""):
                raise
            raise UpstreamRejected(f"HubSpot has no company property '{self.erp_property}'; create it (single-line "
                                   "text) in HubSpot's property settings, or set HUBSPOT_COMPANY_ERP_PROPERTY",
                                   side=CRM, reason="crm_fields_not_configured") from None

    def search_won_deals(self, since: datetime) -> list[WonDeal]:
        """CRM search (``POST /crm/v3/objects/deals/search``, https://developers.hubspot.com/docs/api/crm/search):
        ``dealstage IN`` the won stages of every pipeline and ``hs_lastmodifieddate >= since``, 200 per page
        with ``after`` paging (HubSpot stops a search at 10,000 results)."""
        won = sorted(self.stages.won_ids())
        if not won:
            return []
        body: dict[str, Any] = {"filterGroups": [{"filters": [
            {"propertyName": "dealstage", "operator": "IN", "values": won},
            {"propertyName": "hs_lastmodifieddate", "operator": "GTE", "value": str(int(since.timestamp() * 1000))}]}],
            "properties": list(DEAL_PROPERTIES), "limit": 200}
        found: list[WonDeal] = []
        while len(found) < MAX_WON_DEALS:
            page = self.client.request("POST", "/crm/v3/objects/deals/search", json=body, idempotent=True)
            for item in page.get("results") or []:
                props = item.get("properties") or {}
                amount = props.get("amount")
                found.append(WonDeal(crm_deal_id=str(item.get("id")), title=str(props.get("dealname") or ""),
                                     value=Decimal(str(amount)) if amount not in (None, "") else None,
                                     currency=str(props.get("deal_currency_code") or "")))
            after = ((page.get("paging") or {}).get("next") or {}).get("after")
            if not after:
                break
            body = {**body, "after": after}
        return found[:MAX_WON_DEALS]

    def company_for_deal(self, crm_deal_id: str) -> str | None:
        """The deal's first associated company id (v3 associations API), or None."""
        data = self.client.get(f"/crm/v3/objects/deals/{crm_deal_id}/associations/companies")
        ids = [str(r.get("id") or r.get("toObjectId") or "") for r in data.get("results", [])]
        return next((i for i in ids if i), None)

    def ensure_order_properties(self) -> list[str]:
        """Create the ERP deal properties; "already exists" (409) counts as done. Returns created names."""
        created = []
        for name, label in ORDER_PROPERTIES.items():
            try:
                self.client.request("POST", "/crm/v3/properties/deals", json=property_definition(name, label))
            except UpstreamError as exc:
                if exc.status == 409:
                    continue
                raise
            created.append(name)
        log.info("hubspot deal properties ready (portal %s, created %d)", self.client.key, len(created))
        return created


def _safe_id(value: object) -> str:
    """Ids go into URL paths: digits only (HubSpot object ids are integers)."""
    text = str(value).strip()
    if not text.isdigit() or len(text) > 20:
        raise UpstreamNotFound(f"'{text[:30]}' is not a HubSpot id", side=CRM)
    return text
