"""How HubSpot's CRM v3 APIs answer: the error table, the per-account budget, the retry policy.

Status mapping follows https://developers.hubspot.com/docs/api/error-handling: 429 -> rate limited
(``Retry-After`` when present - HubSpot's own pages do not promise it - else the rolling 10 s
window), 401 -> auth failed, 403 -> missing scope (permission denied), 404 -> not found,
5xx/521-523 -> unavailable; the vendor's ``category``/``errorType`` is kept as the vendor code.
Only idempotent methods are retried (GET, and PATCH/PUT/DELETE which set the same state again).

Budget: OAuth apps get 110 requests per rolling 10 seconds per installed account (Search API
excluded); a 429 ``TEN_SECONDLY_ROLLING`` storm is the most common HubSpot integration complaint
(SDK issues hubspot-api-python#117, hubspot-api-nodejs#416;
https://developers.hubspot.com/docs/guides/apps/api-usage/usage-details).
"""
from __future__ import annotations

from collections.abc import Callable

import requests

from app.crm.api import CRMApi, TokenSource
from app.crm.ratelimit import RateLimiter, RateRules
from app.errors import CRM
from app.net.client import RetryPolicy
from app.net.vendor import VendorAnswer, VendorTable, json_object

API_BASE = "https://api.hubapi.com"
WINDOW_SECONDS = 10.0
LIMIT = 110


def describe_hubspot_error(response: requests.Response) -> VendorAnswer:
    """HubSpot's short error sentence (``message``) and code (``category``/``errorType``), never the body."""
    body = json_object(response) or {}
    code = body.get("category") or body.get("errorType")
    message = str(body.get("message") or "")[:200]
    if response.status_code == 403:
        message = "the app lacks a permission (scope) for this call; reinstall it"
    return VendorAnswer(message or f"HTTP {response.status_code}", code=str(code)[:60] if code else None)


HUBSPOT = VendorTable("HubSpot", CRM, describe=describe_hubspot_error, rate_limit_wait=WINDOW_SECONDS)
RATE_RULES = RateRules("HubSpot", limit=LIMIT, window=WINDOW_SECONDS)


def retry_policy(max_attempts: int = 3) -> RetryPolicy:
    """Pauses of 0.5 s then 2 s; a 429 is never waited out here (the window is seconds long,
    the caller reschedules)."""
    return RetryPolicy(retries=max_attempts - 1, first_pause=0.5, factor=4.0, max_retry_after_wait=0.0)


def hubspot_api(tokens: TokenSource, limiter: RateLimiter, portal_id: str, *, timeout: float,
                sleep: Callable[[float], None]) -> CRMApi:
    """JSON calls against HubSpot's API for one installed account (portal)."""
    return CRMApi(table=HUBSPOT, tokens=tokens, limiter=limiter, key=str(portal_id), base_url=API_BASE,
                  timeout=timeout, retry=retry_policy(), sleep=sleep)
