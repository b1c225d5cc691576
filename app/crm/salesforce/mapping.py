"""Salesforce records -> the domain Deal: Opportunity, its OpportunityLineItems, its Account.

Fields (https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_opportunity.htm,
.../sforce_api_objects_opportunitylineitem.htm): ``Opportunity.Name``, ``StageName``, ``IsWon``,
``Amount``, ``CurrencyIsoCode`` (only in multi-currency orgs; otherwise the org's default currency),
``AccountId``; line items ``Quantity``, ``UnitPrice`` (the sales price), ``Discount`` (percent) and
``Product2.ProductCode`` (the ERP item code). The ERP customer is the Account's custom field
``ERP_Customer_Id__c`` (absent or empty: the settings page's account link decides).
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from app.crm.base import WriteBack
from app.domain.deal import Account, Deal, DealLine
from app.errors import CRM, MissingVendorField

#: the custom fields erp-panel writes on Opportunity (shipped as metadata in widgets/salesforce/)
ORDER_NUMBER_FIELD = "ERP_Order_Number__c"
ORDER_STATUS_FIELD = "ERP_Order_Status__c"
ORDER_PROBLEM_FIELD = "ERP_Order_Problem__c"
ORDER_FIELDS = (ORDER_NUMBER_FIELD, ORDER_STATUS_FIELD, ORDER_PROBLEM_FIELD)
#: written once the order moves (deliveries, invoices); sent only when the update has a value for them
DELIVERY_STATUS_FIELD = "ERP_Delivery_Status__c"
INVOICE_STATUS_FIELD = "ERP_Invoice_Status__c"
#: the Account field naming the ERP customer
ACCOUNT_ERP_FIELD = "ERP_Customer_Id__c"
#: the ``Text`` fields' length in the shipped metadata (a longer value is cut, never refused)
FIELD_LENGTH = 255

LINE_QUERY = ("SELECT Id, Name, Quantity, UnitPrice, Discount, Product2.ProductCode, Product2.Name "
              "FROM OpportunityLineItem WHERE OpportunityId = '{id}' ORDER BY SortOrder, Id")


def _decimal(value: Any, record: str, field: str, default: str | None = None) -> Decimal:
    """A number field; a missing one is an error naming it (never a silent zero) unless it has a default."""
    if value is None or value == "":
        if default is None:
            raise MissingVendorField("Salesforce", record, field, side=CRM)
        return Decimal(default)
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise MissingVendorField("Salesforce", record, field, unreadable=True, side=CRM) from None


def line_from_salesforce(item: dict[str, Any], currency: str) -> DealLine:
    """One OpportunityLineItem; the SKU is its product's ProductCode ("" when the product has none)."""
    product = item.get("Product2") or {}
    code = str(product.get("ProductCode") or "").strip()
    return DealLine(sku=code, name=str(product.get("Name") or item.get("Name") or code),
                    quantity=_decimal(item.get("Quantity"), "OpportunityLineItem", "Quantity"),
                    unit_price=_decimal(item.get("UnitPrice"), "OpportunityLineItem", "UnitPrice"),
                    currency=currency,
                    discount_percent=_decimal(item.get("Discount"), "OpportunityLineItem", "Discount", "0"))


def account_from_salesforce(account: dict[str, Any]) -> Account:
    """The Account; its website, billing street/city/country help find the ERP customer."""
    erp_id = str(account.get(ACCOUNT_ERP_FIELD) or "").strip() or None
    return Account(crm_account_id=str(account["Id"]), name=str(account.get("Name") or ""), erp_customer_id=erp_id,
                   domain=str(account.get("Website") or ""), address=str(account.get("BillingStreet") or ""),
                   city=str(account.get("BillingCity") or ""), country=str(account.get("BillingCountry") or ""))


def deal_from_salesforce(opportunity: dict[str, Any], lines: list[dict[str, Any]], account: dict[str, Any] | None,
                         *, org_currency: str) -> Deal:
    """The domain Deal; value = ``Amount`` or, when empty, the lines' total."""
    currency = str(opportunity.get("CurrencyIsoCode") or org_currency or "")
    if not currency:
        raise MissingVendorField("Salesforce", "Opportunity", "CurrencyIsoCode", side=CRM)
    domain_lines = tuple(line_from_salesforce(item, currency) for item in lines)
    amount = opportunity.get("Amount")
    value = (_decimal(amount, "Opportunity", "Amount") if amount not in (None, "")
             else sum((ln.quantity * ln.unit_price * (1 - ln.discount_percent / 100) for ln in domain_lines),
                      Decimal(0)))
    return Deal(crm_deal_id=str(opportunity["Id"]), title=str(opportunity.get("Name") or ""),
                status=str(opportunity.get("StageName") or ""), currency=currency, value=value,
                account=account_from_salesforce(account) if account else None, lines=domain_lines,
                is_won=opportunity.get("IsWon") is True,
                custom_fields={k: str(opportunity.get(k) or "") for k in ORDER_FIELDS})


def order_fields(update: WriteBack) -> dict[str, str | None]:
    """The PATCH body of a write-back: number, status and problem always (None clears a field), delivery
    and invoice status only when the update carries them."""
    values: dict[str, str | None] = dict(zip(ORDER_FIELDS, (update.order_number, update.status_text,
                                                            update.failure_reason), strict=True))
    if update.delivery_status is not None:
        values[DELIVERY_STATUS_FIELD] = update.delivery_status
    if update.invoice_status is not None:
        values[INVOICE_STATUS_FIELD] = update.invoice_status
    return {name: (value[:FIELD_LENGTH] if value else None) for name, value in values.items()}
