"""How Salesforce's REST API answers: the error table, the org's daily budget, the retry policy.

Errors are a JSON array ``[{"message": ..., "errorCode": ..., "fields": [...]}]``
(https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm):
401 ``INVALID_SESSION_ID`` -> refresh and repeat once (the token store's rules); 403
``REQUEST_LIMIT_EXCEEDED`` (the org's total or concurrent API requests,
https://developer.salesforce.com/docs/platform/salesforce-app-limits-cheatsheet/guide/salesforce-app-limits-platform-api.html)
-> rate limited, retriable after a pause, and the org is not called until then; other 403s -> a
missing permission; 404 ``NOT_FOUND``; 400 ``INVALID_FIELD`` "No such column 'X' on sobject of type
Y" -> the missing field, named.

Budget: every REST answer carries ``Sforce-Limit-Info: api-usage=<used>/<daily limit>``
(https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/headers_api_usage.htm);
the operations metrics read it for every outbound call, and above 70 % of the daily allocation this
client throttles itself to a slow trickle, leaving the rest to the org's other integrations.
"""
from __future__ import annotations

import re
from collections.abc import Callable

import requests

from app.crm.api import CRMApi, TokenSource
from app.crm.ratelimit import RateLimiter, RateRules
from app.errors import CRM, UpstreamRateLimited
from app.net.client import RetryPolicy
from app.net.vendor import VendorAnswer, VendorTable

#: REST API version of every call (Winter '25)
API_VERSION = "v62.0"
DATA = f"/services/data/{API_VERSION}"
#: share of the org's daily API allocation above which erp-panel slows down
BUDGET_SHARE = 0.70
#: after REQUEST_LIMIT_EXCEEDED, seconds before the org is called again (Salesforce names no wait)
LIMIT_EXCEEDED_WAIT = 300.0
_NO_SUCH_COLUMN = re.compile(r"No such column '([A-Za-z0-9_]+)' on (?:sobject of type|entity) '?([A-Za-z0-9_]+)")


def first_error(response: requests.Response) -> dict:
    """The first entry of Salesforce's error array ({} when the body is something else)."""
    try:
        body = response.json()
    except ValueError:
        return {}
    if isinstance(body, list) and body and isinstance(body[0], dict):
        return body[0]
    return body if isinstance(body, dict) else {}


def describe_salesforce_error(response: requests.Response) -> VendorAnswer:
    """Salesforce's ``errorCode`` and short ``message`` (never the body)."""
    error = first_error(response)
    code = str(error.get("errorCode") or "")[:60] or None
    message = str(error.get("message") or "")[:200]
    if code == "REQUEST_LIMIT_EXCEEDED":
        return VendorAnswer(message or "API request limit exceeded", code=code, kind=UpstreamRateLimited,
                            reason="crm_rate_limited", retry_after=LIMIT_EXCEEDED_WAIT)
    if code == "INVALID_FIELD":
        missing = _NO_SUCH_COLUMN.search(message)
        if missing:
            return VendorAnswer(message, code=code, missing_field=(missing.group(2), missing.group(1)))
    if response.status_code == 403:
        message = message or "the connected app's user lacks a permission for this call"
    return VendorAnswer(message or f"HTTP {response.status_code}", code=code)


SALESFORCE = VendorTable("Salesforce", CRM, describe=describe_salesforce_error)
RATE_RULES = RateRules("Salesforce", block_after_429=True, budget_threshold=BUDGET_SHARE,
                       throttled_limit=10, throttled_window=60.0)


def retry_policy() -> RetryPolicy:
    """Pauses of 0.5 s then 2 s; a rate limit is never waited out here (the worker reschedules)."""
    return RetryPolicy(retries=2, first_pause=0.5, factor=4.0, max_retry_after_wait=0.0)


def salesforce_api(tokens: TokenSource, limiter: RateLimiter, org_id: str, *, timeout: float,
                   sleep: Callable[[float], None]) -> CRMApi:
    """JSON calls against one org's REST API (the host is the token's ``instance_url``)."""
    return CRMApi(table=SALESFORCE, tokens=tokens, limiter=limiter, key=org_id, timeout=timeout,
                  retry=retry_policy(), refresh_on_401=True, sleep=sleep)
