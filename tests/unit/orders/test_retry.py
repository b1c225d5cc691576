"""Backoff (capped, randomised, non-decreasing in expectation) and failure classification."""
from __future__ import annotations

import random
import statistics

import pytest

from app.errors import (
    CRM,
    ERP,
    UpstreamAuthFailed,
    UpstreamMisconfigured,
    UpstreamNotFound,
    UpstreamRateLimited,
    UpstreamRejected,
    UpstreamUnavailable,
)
from app.orders.retry import Backoff, StepError, classify


def test_delays_never_exceed_the_cap():
    backoff = Backoff(base=2, cap=60, rng=random.Random(1))
    assert all(0 <= backoff.delay(n) <= 60 for n in range(1, 200) for _ in range(20))
    assert backoff.ceiling(1) == 2 and backoff.ceiling(3) == 8 and backoff.ceiling(50) == 60
    assert backoff.ceiling(10_000) == 60


def test_delays_are_randomised_so_simultaneous_failures_spread_out():
    backoff = Backoff(base=2, cap=300, rng=random.Random(7))
    delays = [backoff.delay(5) for _ in range(50)]
    assert len(set(delays)) == 50


def test_mean_delay_does_not_decrease_with_attempts():
    backoff = Backoff(base=1, cap=100, rng=random.Random(3))
    means = [statistics.mean(backoff.delay(n) for _ in range(4000)) for n in range(1, 12)]
    for earlier, later in zip(means, means[1:], strict=False):
        assert later >= earlier * 0.9            # sampling noise allowance
    assert means[-1] == pytest.approx(75, rel=0.1)  # capped: mean of uniform(50, 100) (floor 0.5)


def test_retry_after_is_a_floor():
    backoff = Backoff(base=1, cap=10, rng=random.Random(0))
    assert all(backoff.delay(1, retry_after=30) == 30 for _ in range(20))


def test_invalid_backoff_configuration_is_refused():
    with pytest.raises(ValueError):
        Backoff(base=0, cap=10)
    with pytest.raises(ValueError):
        Backoff(base=10, cap=5)


@pytest.mark.parametrize("exc, retriable, reason", [
    (UpstreamUnavailable("503", side=ERP), True, "erp_unavailable"),
    (UpstreamUnavailable("timeout", side=ERP, reason="erp_timeout"), True, "erp_timeout"),
    (UpstreamRateLimited("429", side=ERP, retry_after=7), True, "erp_rate_limited"),
    (UpstreamRejected("422", side=ERP), False, "erp_rejected"),
    (UpstreamAuthFailed("401", side=ERP), False, "erp_auth_failed"),
    (UpstreamMisconfigured("no conn", side=ERP, reason="erp_not_configured"), False, "erp_not_configured"),
    (UpstreamNotFound("gone", side=ERP, reason="unknown_customer"), False, "unknown_customer"),
    (UpstreamUnavailable("500", side=CRM, status=500), True, "crm_unavailable"),
    (UpstreamRateLimited("429", side=CRM, retry_after=3), True, "crm_rate_limited"),
    (UpstreamAuthFailed("token revoked", side=CRM), False, "crm_auth_failed"),
    (UpstreamNotFound("deleted", side=CRM), False, "crm_not_found"),
    (ConnectionResetError("reset"), True, "transient_error"),
    (KeyError("bug"), True, "internal_error"),
])
def test_classification(exc, retriable, reason):
    error = classify(exc)
    assert (error.retriable, error.reason) == (retriable, reason)
    assert error.plain


def test_rate_limit_retry_after_is_carried():
    assert classify(UpstreamRateLimited("429", side=ERP, retry_after=7)).retry_after == 7
    assert classify(UpstreamRateLimited("429", side=CRM, retry_after=3)).retry_after == 3


def test_unexpected_errors_never_leak_their_message():
    error = classify(ValueError("token=abc123 body={...}"))
    assert "abc123" not in error.message and "abc123" not in error.plain


def test_step_errors_pass_through():
    original = StepError("x", "y", retriable=False)
    assert classify(original) is original


def test_connection_problems_are_explained_as_setup_not_as_a_rejected_order():
    error = classify(UpstreamMisconfigured("No ERP connection is configured", side=ERP, reason="erp_not_configured"))
    assert not error.retriable and "settings page" in error.plain and "rejected" not in error.plain
    assert "cannot use the ERP connection" in classify(UpstreamAuthFailed("401", side=ERP)).plain
    assert classify(UpstreamRejected("PO missing", side=ERP)).plain == "The ERP rejected the order: PO missing"
