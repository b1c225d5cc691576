"""Error classification contract: retriable vs fatal vs not found, the same for every connector."""
from __future__ import annotations

import pytest

from app.errors import ERP, UpstreamAuthFailed, UpstreamRateLimited, UpstreamUnavailable
from tests.contract.erp.harness import RETRIES, needs, needs_http


@pytest.mark.parametrize("kind, reason", [("unavailable", None), ("timeout", None),
                                          ("connection", "erp_unreachable")])
def test_outage_on_a_read_is_retriable(erp, kind, reason):
    needs(erp, kind)
    erp.fail_next(kind, count=erp.attempts_per_read)
    with pytest.raises(UpstreamUnavailable) as info:
        erp.connector.get_credit("CUST-0001")
    assert info.value.retriable and not isinstance(info.value, UpstreamRateLimited)
    if reason:
        assert info.value.reason == reason


def test_rate_limit_carries_retry_after(erp):
    erp.fail_next("rate_limited", count=erp.attempts_per_read)
    with pytest.raises(UpstreamRateLimited) as info:
        erp.connector.list_stock(["SKU-1001"])
    assert info.value.retriable and info.value.retry_after == 2


def test_bad_credentials_are_fatal_and_never_echo_secrets(erp):
    needs(erp, "auth")
    erp.fail_next("auth")          # one fault: a retry would succeed and hide the error
    with pytest.raises(UpstreamAuthFailed) as info:
        erp.connector.get_credit("CUST-0001")
    assert info.value.side == ERP and not info.value.retriable
    assert not any(secret in str(info.value) for secret in erp.secrets)
    assert len(erp.fake.data_requests()) == 1        # no retry (token requests are not data requests)


def test_transient_read_failure_is_retried_with_backoff(erp):
    needs_http(erp)
    erp.fail_next("unavailable", count=RETRIES)
    credit = erp.connector.get_credit("CUST-0001")
    assert credit.customer_id == "CUST-0001"
    assert erp.sleeps[:2] == [0.25, 0.5]


def test_rate_limited_read_waits_retry_after_then_succeeds(erp):
    needs_http(erp)
    erp.fail_next("rate_limited")
    assert erp.connector.list_stock(["SKU-1001"])
    assert erp.sleeps == [2.0]


def test_expired_token_is_replaced_once_and_the_read_repeated(erp):
    if erp.expire_tokens is None:
        pytest.skip(f"{erp.name} sends no bearer tokens")
    erp.connector.get_credit("CUST-0001")
    data_before = len(erp.fake.data_requests())
    tokens_before = len(erp.fake.seen) - data_before
    erp.expire_tokens()                    # the ERP now refuses the cached token with 401
    assert erp.connector.get_credit("CUST-0001").customer_id == "CUST-0001"
    data_requests = len(erp.fake.data_requests()) - data_before
    token_requests = len(erp.fake.seen) - len(erp.fake.data_requests()) - tokens_before
    assert (data_requests, token_requests) == (2, 1)       # refused once, new token, repeated once
    assert erp.sleeps == []
