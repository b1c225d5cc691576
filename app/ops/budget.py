"""A vendor's API budget as its response headers report it.

Each vendor says it differently; every answer is read for all of them (headers are
case-insensitive, and a header another vendor sends is simply absent):

* HubSpot: ``X-HubSpot-RateLimit-Max`` / ``-Remaining`` for the rolling window
  (``-Interval-Milliseconds``, 10 s for OAuth apps), plus ``X-HubSpot-RateLimit-Daily`` /
  ``-Daily-Remaining`` for private apps (OAuth calls have no daily limit and no daily headers).
  https://developers.hubspot.com/docs/guides/apps/api-usage/usage-details ,
  https://developers.hubspot.com/changelog/rate-limit-headers-will-now-appear-for-oauth-authenticated-calls
* Pipedrive: ``x-ratelimit-limit`` / ``x-ratelimit-remaining`` / ``x-ratelimit-reset`` (seconds)
  per 2-second window, and ``x-daily-requests-left`` for api_token requests only.
  https://pipedrive.readme.io/docs/core-api-concepts-rate-limiting
* Frappe/ERPNext (when the site's rate limiter is on): ``X-RateLimit-Limit`` / ``-Remaining``
  (a time budget in seconds per window, read the same way).
  https://github.com/frappe/frappe/blob/develop/frappe/rate_limiter.py
* Salesforce: ``Sforce-Limit-Info: api-usage=18/5000`` (calls used / the org's daily limit).
  https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/headers_api_usage.htm
* NetSuite and Business Central send no budget headers; their only signal is HTTP 429
  (NetSuite: requests over the account's concurrency limit; Business Central: its operational
  limits), counted by the caller as a used-up budget.
  https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/subsect_1559222360.html ,
  https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/operational-limits-online

When several windows are reported, the most used one is the budget.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

_SALESFORCE_USAGE = re.compile(r"api-usage\s*=\s*(\d+)\s*/\s*(\d+)", re.IGNORECASE)

#: (limit header, remaining header) pairs, most specific first
_WINDOW_HEADERS = (
    ("X-HubSpot-RateLimit-Max", "X-HubSpot-RateLimit-Remaining"),
    ("X-HubSpot-RateLimit-Daily", "X-HubSpot-RateLimit-Daily-Remaining"),
    ("X-RateLimit-Limit", "X-RateLimit-Remaining"),
)


@dataclass(frozen=True)
class Budget:
    """How much of a vendor's API budget is left: ``remaining`` of ``limit`` (same unit)."""

    limit: float
    remaining: float

    @property
    def used_ratio(self) -> float:
        """Share used, 0..1."""
        if self.limit <= 0:
            return 1.0
        return min(max((self.limit - self.remaining) / self.limit, 0.0), 1.0)

    @classmethod
    def exhausted(cls) -> Budget:
        """What a 429 says: nothing left right now."""
        return cls(limit=1.0, remaining=0.0)


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value.strip())
    except ValueError:
        return None
    return number if number >= 0 else None


def read_budget(headers: Mapping[str, str]) -> Budget | None:
    """The most used budget window the headers report, or None when they report none."""
    found: list[Budget] = []
    for limit_name, remaining_name in _WINDOW_HEADERS:
        limit, remaining = _number(headers.get(limit_name)), _number(headers.get(remaining_name))
        if limit is not None and remaining is not None and limit > 0:
            found.append(Budget(limit=limit, remaining=min(remaining, limit)))
    usage = _SALESFORCE_USAGE.search(headers.get("Sforce-Limit-Info") or "")
    if usage:
        used, limit = float(usage.group(1)), float(usage.group(2))
        if limit > 0:
            found.append(Budget(limit=limit, remaining=max(limit - used, 0.0)))
    return max(found, key=lambda b: b.used_ratio) if found else None
