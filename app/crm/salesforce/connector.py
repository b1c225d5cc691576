"""CRMConnector for one Salesforce org: read the won Opportunity, write the order back onto it.

Reads (REST, https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_list.htm):
``GET /sobjects/Opportunity/{id}`` (every field the user may see, so ``CurrencyIsoCode`` is there in
multi-currency orgs and nothing breaks in the others), its line items with one SOQL ``GET /query``
(following ``nextRecordsUrl``), and ``GET /sobjects/Account/{AccountId}``. Write-back:
``PATCH /sobjects/Opportunity/{id}`` with the three custom fields (204, no body:
https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_update_fields.htm);
PATCH sets the same values again when repeated, so it is retried like a read. Ids are checked to be
Salesforce ids before they reach a URL or a SOQL string.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from app.crm.api import CRMApi
from app.crm.base import MAX_WON_DEALS, CRMConnector, WriteBack
from app.crm.salesforce.client import DATA
from app.crm.salesforce.mapping import (
    ACCOUNT_ERP_FIELD,
    LINE_QUERY,
    account_from_salesforce,
    deal_from_salesforce,
    order_fields,
)
from app.crm.salesforce.oauth import long_id
from app.domain.deal import Account, Deal, WonDeal
from app.errors import CRM, MissingVendorField, UpstreamNotFound, UpstreamRejected

#: query pages followed at most (2,000 records a page: far more lines than an order takes)
MAX_PAGES = 5


class SalesforceConnector(CRMConnector):
    """Opportunity read and write-back for one tenant (org)."""

    name = "salesforce"

    def __init__(self, client: CRMApi, *, org_currency: str = ""):
        self.client = client
        self.org_currency = org_currency

    @staticmethod
    def _id(record_id: str, record: str) -> str:
        checked = long_id(record_id)
        if not checked:
            raise UpstreamNotFound(f"'{record_id[:40]}' is not a Salesforce {record} id", side=CRM)
        return checked

    def get_deal(self, crm_deal_id: str) -> Deal:
        """The Opportunity with its line items and Account, as Salesforce has it now."""
        opportunity_id = self._id(crm_deal_id, "Opportunity")
        opportunity = self.client.get(f"{DATA}/sobjects/Opportunity/{opportunity_id}")
        lines = self._query(LINE_QUERY.format(id=opportunity_id))
        account_id = long_id(str(opportunity.get("AccountId") or ""))
        account = self.client.get(f"{DATA}/sobjects/Account/{account_id}") if account_id else None
        deal = deal_from_salesforce(opportunity, lines, account, org_currency=self.org_currency)
        # the deal id as the event named it: the order's idempotency key must not depend on the id's length
        return replace(deal, crm_deal_id=crm_deal_id)

    def _query(self, soql: str, max_pages: int = MAX_PAGES) -> list[dict[str, Any]]:
        page = self.client.get(f"{DATA}/query", {"q": soql})
        records = list(page.get("records") or [])
        for _ in range(max_pages - 1):
            next_url = str(page.get("nextRecordsUrl") or "")
            if page.get("done", True) or not next_url.startswith(f"{DATA}/query/"):
                break
            page = self.client.get(next_url)
            records += page.get("records") or []
        return records

    def write_back(self, crm_deal_id: str, update: WriteBack, *, correlation_id: str = "") -> None:
        """PATCH order number, status text and failure reason (and, once the order moves, delivery and invoice
        status) onto the Opportunity (null clears a field)."""
        opportunity_id = self._id(crm_deal_id, "Opportunity")
        self.client.patch(f"{DATA}/sobjects/Opportunity/{opportunity_id}", order_fields(update))

    def get_account(self, crm_account_id: str) -> Account:
        """``GET /sobjects/Account/{id}``: name, website, billing address and ``ERP_Customer_Id__c``."""
        account = self.client.get(f"{DATA}/sobjects/Account/{self._id(crm_account_id, 'Account')}")
        return account_from_salesforce(account)

    def write_erp_customer_id(self, crm_account_id: str, erp_customer_id: str) -> None:
        """``PATCH /sobjects/Account/{id}`` setting ``ERP_Customer_Id__c`` (idempotent, so retried); an org
        without the field (metadata not deployed) is told which field to create."""
        try:
            self.client.patch(f"{DATA}/sobjects/Account/{self._id(crm_account_id, 'Account')}",
                              {ACCOUNT_ERP_FIELD: erp_customer_id or None})
        except MissingVendorField:
            raise UpstreamRejected(f"Salesforce has no Account field {ACCOUNT_ERP_FIELD}; deploy erp-panel's metadata "
                                   "(widgets/salesforce/) or create it as a Text field", side=CRM,
                                   reason="crm_fields_not_configured") from None

    def search_won_deals(self, since: datetime) -> list[WonDeal]:
        """Won Opportunities changed since ``since``: one SOQL query on ``IsWon`` and ``SystemModstamp``
        (https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_dateformats.htm),
        paged by ``nextRecordsUrl`` and bounded at ``MAX_WON_DEALS``. The currency is the org's default:
        ``CurrencyIsoCode`` exists only in multi-currency orgs, and naming it elsewhere fails the query."""
        stamp = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        soql = ("SELECT Id, Name, Amount FROM Opportunity "  # noqa: S608 - SOQL of a formatted timestamp only
                f"WHERE IsWon = true AND SystemModstamp >= {stamp} ORDER BY SystemModstamp LIMIT {MAX_WON_DEALS}")
        return [WonDeal(crm_deal_id=long_id(str(r.get("Id") or "")), title=str(r.get("Name") or ""),
                        value=Decimal(str(r["Amount"])) if r.get("Amount") not in (None, "") else None,
                        currency=self.org_currency)
                for r in self._query(soql, max_pages=MAX_WON_DEALS // 2000 + 1)]

    def organization(self) -> dict[str, Any]:
        """The org's name, default currency and whether it is a sandbox (install)."""
        records = self._query("SELECT Id, Name, DefaultCurrencyIsoCode, IsSandbox FROM Organization")
        return records[0] if records else {}

    def can_customize(self, user_id: str) -> bool:
        """Whether the user's profile has "Customize Application" (an admin of the org)."""
        user = self._id(user_id, "User")       # a checked Salesforce id: letters and digits only
        soql = f"SELECT Id, Profile.PermissionsCustomizeApplication FROM User WHERE Id = '{user}'"  # noqa: S608 - SOQL, id checked
        records = self._query(soql)
        profile = (records[0].get("Profile") or {}) if records else {}
        return profile.get("PermissionsCustomizeApplication") is True
