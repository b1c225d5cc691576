"""Token refresh, write-back retries, 429 handling and the per-portal limiter against the fake HubSpot."""
from __future__ import annotations

import pytest

from app.clock import FrozenClock
from app.crm.base import WriteBack
from app.crm.hubspot.client import RATE_RULES
from app.crm.ratelimit import RateLimiter
from app.errors import (
    UpstreamAuthFailed,
    UpstreamNotFound,
    UpstreamRateLimited,
    UpstreamRejected,
    UpstreamUnavailable,
)


@pytest.fixture
def connector(services, hs_tenant):
    return services.crm.connector_for(hs_tenant)


def _write(connector, deal="501"):
    connector.write_back(deal, WriteBack(order_number="SO-10042", status_text="Open"))


def test_write_back_patches_the_deal(connector, fake_hubspot):
    fake_hubspot.add_deal("501")
    _write(connector)
    assert fake_hubspot.patches == [("501", {"erp_order_number": "SO-10042", "erp_order_status": "Open",
                                             "erp_failure_reason": ""})]


def test_write_back_retries_server_errors_with_backoff(connector, fake_hubspot, hs_sleeps):
    fake_hubspot.add_deal("501")
    fake_hubspot.fail_next("PATCH", "/crm/v3/objects/deals/501", 503, times=2)
    _write(connector)
    assert fake_hubspot.deals["501"]["properties"]["erp_order_number"] == "SO-10042"
    assert hs_sleeps == [0.5, 2.0]


def test_write_back_gives_up_after_three_attempts(connector, fake_hubspot, hs_sleeps):
    fake_hubspot.add_deal("501")
    fake_hubspot.fail_next("PATCH", "/crm/v3/objects/deals/501", 502, times=3)
    with pytest.raises(UpstreamUnavailable) as err:
        _write(connector)
    assert err.value.reason == "crm_unavailable" and len(hs_sleeps) == 2


def test_429_is_not_retried_and_carries_retry_after(connector, fake_hubspot, hs_sleeps):
    fake_hubspot.add_deal("501")
    fake_hubspot.fail_next("PATCH", "/crm/v3/objects/deals/501", 429, headers={"Retry-After": "3"})
    with pytest.raises(UpstreamRateLimited) as err:
        _write(connector)
    assert err.value.retry_after == 3.0 and hs_sleeps == []
    fake_hubspot.fail_next("PATCH", "/crm/v3/objects/deals/501", 429)
    with pytest.raises(UpstreamRateLimited) as err:
        _write(connector)
    assert err.value.retry_after == 10.0           # no Retry-After: wait out the rolling window


def test_validation_errors_are_fatal_and_not_retried(connector, fake_hubspot, hs_sleeps):
    fake_hubspot.add_deal("501")
    fake_hubspot.properties.discard("erp_order_status")
    with pytest.raises(UpstreamRejected) as err:
        _write(connector)
    assert err.value.reason == "crm_rejected" and hs_sleeps == []


def test_missing_deal_is_not_found(connector):
    with pytest.raises(UpstreamNotFound):
        _write(connector, deal="999")


def test_property_creation_post_is_not_retried(connector, fake_hubspot, hs_sleeps):
    fake_hubspot.properties.clear()
    fake_hubspot.calls.clear()
    fake_hubspot.fail_next("POST", "/crm/v3/properties/deals", 503)
    with pytest.raises(UpstreamUnavailable):
        connector.ensure_order_properties()
    assert hs_sleeps == [] and fake_hubspot.calls == [("POST", "/crm/v3/properties/deals")]


def test_token_is_refreshed_five_minutes_before_expiry(connector, services, hs_tenant, fake_hubspot, clock):
    fake_hubspot.add_deal("501")
    first = services.tenants.get_crm_credentials(hs_tenant.id).access_token
    clock.advance(minutes=24)
    _write(connector)
    assert services.tenants.get_crm_credentials(hs_tenant.id).access_token == first
    clock.advance(minutes=2)                                           # 26 min: inside the 5-min margin
    _write(connector)
    creds = services.tenants.get_crm_credentials(hs_tenant.id)
    assert creds.access_token != first and (creds.expires_at - clock.now()).total_seconds() == 1800


def test_rejected_refresh_token_needs_reinstall(connector, fake_hubspot, clock):
    fake_hubspot.add_deal("501")
    fake_hubspot.refresh_tokens.clear()                                # app uninstalled in HubSpot
    clock.advance(minutes=40)
    with pytest.raises(UpstreamAuthFailed) as err:
        _write(connector)
    assert err.value.reason == "crm_oauth_refused"


def test_refresh_outage_uses_the_old_token_while_it_lasts(connector, fake_hubspot, clock):
    fake_hubspot.add_deal("501")
    clock.advance(minutes=27)
    fake_hubspot.fail_next("POST", "/oauth/v3/token", 500)
    _write(connector)                                                  # old token still valid 3 more minutes
    clock.advance(minutes=5)
    fake_hubspot.fail_next("POST", "/oauth/v3/token", 500)
    with pytest.raises(UpstreamUnavailable) as err:
        _write(connector)
    assert err.value.reason == "crm_unavailable"


def test_limiter_allows_110_per_10_seconds_per_portal():
    clock = FrozenClock()
    limiter = RateLimiter(clock, RATE_RULES)
    for _ in range(110):
        limiter.acquire("1")
    with pytest.raises(UpstreamRateLimited) as err:
        limiter.acquire("1")
    assert 0 < err.value.retry_after <= 10
    limiter.acquire("2")                                               # other portals are independent
    clock.advance(10)
    limiter.acquire("1")
    assert limiter.remaining("1") == 109


def test_client_stops_before_hubspot_when_budget_is_spent(connector, fake_hubspot):
    fake_hubspot.add_deal("501")
    limiter = connector.client.limiter
    for _ in range(limiter.remaining(connector.client.key)):
        limiter.acquire(connector.client.key)
    before = len(fake_hubspot.calls)
    with pytest.raises(UpstreamRateLimited):
        _write(connector)
    assert len(fake_hubspot.calls) == before
