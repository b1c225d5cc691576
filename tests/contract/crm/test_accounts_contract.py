"""Account contract every CRM integration meets: read the account as the CRM holds it, and write the linked
ERP customer id into its "ERP customer id" field (so CRM reports can use it)."""
from __future__ import annotations

from app.errors import UpstreamRejected


def test_the_account_is_read_with_its_name_and_erp_field(crm):
    tenant = crm.installed()
    crm.won_deal(tenant)
    account = crm.integration.connector_for(tenant).get_account(crm.account_id)
    assert account.crm_account_id == crm.account_id and account.name
    assert account.erp_customer_id == crm.account_field(crm.account_id)


def test_the_erp_customer_id_is_written_into_the_account_field_repeatably(crm):
    tenant = crm.installed()
    crm.won_deal(tenant)
    connector = crm.integration.connector_for(tenant)
    connector.write_erp_customer_id(crm.account_id, "CUST-0012")
    connector.write_erp_customer_id(crm.account_id, "CUST-0012")
    assert crm.account_field(crm.account_id) == "CUST-0012"
    assert connector.get_account(crm.account_id).erp_customer_id == "CUST-0012"


def test_accounts_with_deals_are_listed_or_refused_with_a_sentence(crm):
    tenant = crm.installed()
    crm.won_deal(tenant)
    connector = crm.integration.connector_for(tenant)
    try:
        accounts = connector.accounts_with_deals()
    except UpstreamRejected as exc:          # an optional capability: the settings page shows the sentence
        assert exc.reason == "crm_not_supported" and exc.message.endswith("instead")
        return
    won = next(a for a in accounts if a.crm_account_id == crm.account_id)
    assert won.won_deals >= 1 and won.name
