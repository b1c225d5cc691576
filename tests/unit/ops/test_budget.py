"""Each vendor's rate-limit headers become one budget: the most used window."""
from __future__ import annotations

import pytest
from requests.structures import CaseInsensitiveDict

from app.ops.budget import Budget, read_budget


def budget(**headers: str) -> Budget | None:
    return read_budget(CaseInsensitiveDict({k.replace("_", "-"): v for k, v in headers.items()}))


def test_hubspot_rolling_window_headers():
    found = budget(**{"X-HubSpot-RateLimit-Max": "110", "X-HubSpot-RateLimit-Remaining": "33",
                      "X-HubSpot-RateLimit-Interval-Milliseconds": "10000"})
    assert found == Budget(limit=110, remaining=33) and found.used_ratio == pytest.approx(0.7)


def test_hubspot_private_app_daily_window_wins_when_it_is_more_used():
    found = budget(**{"X-HubSpot-RateLimit-Max": "190", "X-HubSpot-RateLimit-Remaining": "180",
                      "X-HubSpot-RateLimit-Daily": "500000", "X-HubSpot-RateLimit-Daily-Remaining": "50000"})
    assert found.limit == 500000 and found.used_ratio == pytest.approx(0.9)


def test_pipedrive_and_frappe_lowercase_generic_headers():
    found = budget(**{"x-ratelimit-limit": "80", "x-ratelimit-remaining": "8", "x-ratelimit-reset": "2"})
    assert found.used_ratio == pytest.approx(0.9)


def test_salesforce_limit_info_header():
    found = budget(**{"Sforce-Limit-Info": "api-usage=10018/100000; api-bursts=1/750"})
    assert found == Budget(limit=100000, remaining=89982)
    assert budget(**{"Sforce-Limit-Info": "api-usage=18/5000"}).used_ratio == pytest.approx(18 / 5000)


@pytest.mark.parametrize("headers", [
    {},                                                            # NetSuite, Business Central: no headers
    {"X-RateLimit-Limit": "100"},                                  # half a pair
    {"X-RateLimit-Limit": "abc", "X-RateLimit-Remaining": "1"},    # not a number
    {"X-RateLimit-Limit": "0", "X-RateLimit-Remaining": "0"},      # no limit at all
    {"Sforce-Limit-Info": "api-usage=garbage"},
])
def test_answers_without_a_usable_budget(headers):
    assert budget(**headers) is None


def test_remaining_above_limit_is_capped_and_a_429_means_nothing_left():
    assert budget(**{"X-RateLimit-Limit": "10", "X-RateLimit-Remaining": "15"}).used_ratio == 0.0
    assert Budget.exhausted().used_ratio == 1.0
