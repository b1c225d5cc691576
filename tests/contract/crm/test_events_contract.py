"""Every CRM integration: verified callers, webhook deliveries -> DealWon, deal read, write-back."""
from __future__ import annotations

import pytest

from app.crm.base import WriteBack
from app.errors import CRM, Unauthorized, UpstreamNotFound


def test_the_caller_comes_from_a_verified_credential(crm):
    tenant = crm.installed()
    assert crm.widget_credential or crm.signed_request, "a CRM hands out widget credentials or signs requests"
    if crm.widget_credential:
        caller = crm.integration.verify_widget_credential(crm.widget_credential(tenant))
        with pytest.raises(Unauthorized):
            crm.integration.verify_widget_credential(crm.widget_credential(tenant)[:-2] + "xx")
    else:
        request = crm.signed_request(tenant)
        caller = crm.integration.verify_request(request)
        with pytest.raises(Unauthorized):
            crm.integration.verify_request(crm.forged(request))
    assert caller.crm == crm.integration.name and caller.installation_id == tenant.installation_id
    assert crm.integration.tenant_of(caller) == tenant


def test_a_won_delivery_becomes_one_deal_won_for_the_tenant(crm):
    tenant = crm.installed()
    deal_id = crm.won_deal(tenant)
    outcome = crm.integration.events(crm.won_delivery(tenant, deal_id, "101"))
    [event] = outcome.won
    assert (event.tenant_id, event.crm_deal_id, event.crm) == (tenant.id, deal_id, crm.integration.name)
    again = crm.integration.events(crm.won_delivery(tenant, deal_id, "101"))
    assert [e.event_id for e in again.won] == [event.event_id]      # a redelivery is recognisable


def test_a_verified_delivery_is_acknowledged_with_a_2xx(crm):
    tenant = crm.installed()
    outcome = crm.integration.events(crm.won_delivery(tenant, crm.won_deal(tenant), "104"))
    for statuses in (["accepted"], ["duplicate_deal"], []):
        answer = crm.integration.acknowledge(outcome, statuses)
        assert 200 <= answer.status < 300 and answer.body and answer.content_type


def test_a_delivery_that_is_not_a_win_is_ignored_with_a_reason(crm):
    tenant = crm.installed()
    deal_id = crm.won_deal(tenant)
    outcome = crm.integration.events(crm.other_delivery(tenant, deal_id))
    assert outcome.won == [] and sum(outcome.ignored.values()) == 1


def test_a_forged_delivery_is_refused_and_yields_nothing(crm):
    tenant = crm.installed()
    deal_id = crm.won_deal(tenant)
    with pytest.raises(Unauthorized):
        crm.integration.events(crm.forged(crm.won_delivery(tenant, deal_id, "102")))


def test_after_uninstall_no_delivery_becomes_an_order(crm):
    tenant = crm.installed()
    deal_id = crm.won_deal(tenant)
    delivery = crm.won_delivery(tenant, deal_id, "103")
    crm.integration.uninstall(tenant)
    try:
        outcome = crm.integration.events(delivery)
    except Unauthorized:
        return
    assert outcome.won == []


def test_the_deal_is_read_with_lines_and_its_account(crm):
    tenant = crm.installed()
    deal_id = crm.won_deal(tenant)
    deal = crm.integration.connector_for(tenant).get_deal(deal_id)
    assert deal.crm_deal_id == deal_id and deal.is_won and deal.currency
    assert deal.lines and all(line.sku and line.quantity > 0 for line in deal.lines)
    assert deal.account is not None and deal.account.crm_account_id


def test_an_unknown_deal_is_not_found_on_the_crm_side(crm):
    tenant = crm.installed()
    with pytest.raises(UpstreamNotFound) as info:
        crm.integration.connector_for(tenant).get_deal("987654")
    assert info.value.side == CRM and not info.value.retriable


def test_write_back_shows_the_order_on_the_deal_and_may_be_repeated(crm):
    tenant = crm.installed()
    deal_id = crm.won_deal(tenant)
    connector = crm.integration.connector_for(tenant)
    update = WriteBack(order_number="SO-10042", status_text="Open")
    connector.write_back(deal_id, update)
    connector.write_back(deal_id, update)
    assert crm.written(tenant, deal_id) == ("SO-10042", "Open")
