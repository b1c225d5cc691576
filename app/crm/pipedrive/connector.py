"""CRMConnector for one Pipedrive company: read won deals with products, write order facts back."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from app.crm.api import CRMApi
from app.crm.base import MAX_WON_DEALS, CRMConnector, WriteBack
from app.crm.pipedrive import mapping
from app.domain.deal import Account, Deal, WonDeal
from app.errors import CRM, UpstreamNotFound, UpstreamRejected

#: v2 list endpoints page with ``cursor``; stop after this many pages (a deal with >2500 lines is not real)
MAX_PAGES = 5
PAGE_SIZE = 500


class PipedriveConnector(CRMConnector):
    """Deal read and write-back through API v2 for one tenant."""

    name = "pipedrive"

    def __init__(self, client: CRMApi, crm_fields: dict[str, str]):
        self.client = client
        self.crm_fields = dict(crm_fields or {})

    # -- read ---------------------------------------------------------------------
    def get_deal(self, crm_deal_id: str) -> Deal:
        """``GET /api/v2/deals/{id}`` + its products (+ product codes) + its organization."""
        deal_id = _safe_id(crm_deal_id)
        deal = self.client.get(f"/api/v2/deals/{deal_id}").get("data") or {}
        if not deal:
            raise UpstreamNotFound(f"Pipedrive deal {deal_id} was not found", side=CRM)
        products = self._deal_products(deal_id)
        skus = self._product_codes({pid for p in products if (pid := mapping.plain_id(p.get("product_id")))})
        account = self.get_account(org_id) if (org_id := mapping.plain_id(deal.get("org_id"))) else None
        return mapping.to_deal(deal, products, skus, account, self.crm_fields)

    def search_won_deals(self, since: datetime) -> list[WonDeal]:
        """``GET /api/v2/deals?status=won&updated_since=…`` with cursor paging (API v2 "Get all deals",
        https://developers.pipedrive.com/docs/api/v1/Deals#getDeals)."""
        found: list[WonDeal] = []
        params: dict[str, Any] = {"status": "won", "updated_since": since.strftime("%Y-%m-%dT%H:%M:%SZ"),
                                  "limit": 500}
        while len(found) < MAX_WON_DEALS:
            envelope = self.client.get("/api/v2/deals", params=params)
            for deal in envelope.get("data") or []:
                if str(deal.get("status") or "") == "won" and mapping.plain_id(deal.get("id")):
                    found.append(WonDeal(crm_deal_id=str(mapping.plain_id(deal.get("id"))),
                                         title=str(deal.get("title") or ""), value=mapping.decimal_or_none(
                                             deal.get("value")), currency=str(deal.get("currency") or "")))
            cursor = (envelope.get("additional_data") or {}).get("next_cursor")
            if not cursor:
                break
            params = {**params, "cursor": cursor}
        return found[:MAX_WON_DEALS]

    def get_account(self, org_id: str) -> Account:
        """``GET /api/v2/organizations/{id}``, with the ERP customer id from the chosen custom field."""
        org = self.client.get(f"/api/v2/organizations/{_safe_id(org_id)}").get("data") or {}
        if not org:
            raise UpstreamNotFound(f"Pipedrive organization {org_id} was not found", side=CRM)
        return mapping.to_account(org, self.crm_fields)

    def deal_organization(self, crm_deal_id: str) -> str | None:
        """The organization id of a deal (the panel in the deal view shows that organization)."""
        deal = self.client.get(f"/api/v2/deals/{_safe_id(crm_deal_id)}").get("data") or {}
        return mapping.plain_id(deal.get("org_id"))

    def _deal_products(self, deal_id: str) -> list[dict]:
        items: list[dict] = []
        cursor = None
        for _ in range(MAX_PAGES):
            params = {"limit": PAGE_SIZE}
            if cursor:
                params["cursor"] = cursor
            envelope = self.client.get(f"/api/v2/deals/{deal_id}/products", params=params)
            items.extend(envelope.get("data") or [])
            cursor = (envelope.get("additional_data") or {}).get("next_cursor")
            if not cursor:
                return items
        raise UpstreamRejected(f"Pipedrive deal {deal_id} has more products than erp-panel reads", side=CRM,
                            reason="crm_too_many_lines")

    def _product_codes(self, product_ids: set[str]) -> dict[str, str]:
        codes: dict[str, str] = {}
        for product_id in sorted(product_ids):
            try:
                product = self.client.get(f"/api/v2/products/{_safe_id(product_id)}").get("data") or {}
            except UpstreamNotFound:
                continue  # product deleted since; the line keeps the Pipedrive product id as SKU
            code = str(product.get("code") or "").strip()
            if code:
                codes[product_id] = code
        return codes

    # -- write --------------------------------------------------------------------
    def write_back(self, crm_deal_id: str, update: WriteBack, *, correlation_id: str = "") -> None:
        """``PATCH /api/v2/deals/{id}`` with ``custom_fields`` keyed by the chosen field hash keys.

        Setting the same values twice is harmless, so the worker may retry this freely.
        """
        body = mapping.write_back_body(update, self.crm_fields)
        if not body["custom_fields"]:
            raise UpstreamRejected("Choose the Pipedrive deal fields for the order number and status first "
                                "(Pipedrive fields page in the erp-panel settings)", side=CRM,
                                reason="crm_fields_not_configured")
        self.client.patch(f"/api/v2/deals/{_safe_id(crm_deal_id)}", body)


    def write_erp_customer_id(self, crm_account_id: str, erp_customer_id: str) -> None:
        """``PATCH /api/v2/organizations/{id}`` with the chosen "ERP customer ID" organization field
        (https://developers.pipedrive.com/docs/api/v1/Organizations#updateOrganization, v2 ``custom_fields``)."""
        key = self.crm_fields.get(mapping.FIELD_ERP_CUSTOMER)
        if not key:
            raise UpstreamRejected("Choose the Pipedrive organization field for the ERP customer ID first (Pipedrive "
                                   "fields page in the erp-panel settings)", side=CRM, reason="crm_fields_not_configured")
        self.client.patch(f"/api/v2/organizations/{_safe_id(crm_account_id)}", {"custom_fields": {key: erp_customer_id}})


def _safe_id(value: object) -> str:
    """Ids go into URL paths: digits only (Pipedrive ids are integers)."""
    text = str(value).strip()
    if not text.isdigit() or len(text) > 20:
        raise UpstreamNotFound(f"'{text[:30]}' is not a Pipedrive id", side=CRM)
    return text
