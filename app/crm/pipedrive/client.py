"""How Pipedrive's API answers: its error table, its budget headers, its 200-with-failure bodies.

- Rate limits (https://pipedrive.readme.io/docs/core-api-concepts-rate-limiting): 429 -> rate
  limited with ``Retry-After`` when present (the current docs do not promise it), else
  ``x-ratelimit-reset`` (seconds), else the 2-second burst window. When ``x-ratelimit-remaining``
  reaches 0 the limiter refuses further calls for that installation until the reset instead of
  burning the company's budget on 429s.
- No retries of any call: the worker retries retriable errors with back-off; the only repeat is
  the single 401 -> refresh -> same request, which the API never processed.
- A 2xx envelope ``{"success": false, ...}`` is a refusal too.
"""
from __future__ import annotations

from typing import Any

import requests

from app.crm.api import CRMApi, TokenSource
from app.crm.ratelimit import RateLimiter, RateRules
from app.errors import CRM, UpstreamRejected
from app.net.client import retry_after_seconds
from app.net.vendor import VendorAnswer, VendorTable, json_object

BURST_WINDOW_SECONDS = 2.0


def describe_pipedrive_error(response: requests.Response) -> VendorAnswer:
    """``{"success": false, "error": .., "code": ..}``: the sentence (cut), the code, and the reset wait."""
    body = json_object(response) or {}
    message = str(body.get("error") or body.get("message") or "")[:200]
    if response.status_code == 403 and not message:
        message = "missing scope or permission"
    code = str(body.get("code") or "")[:60] or None   # e.g. feature_capping_deals_limit
    return VendorAnswer(message or f"HTTP {response.status_code}", code=code,
                        retry_after=retry_after_seconds(response.headers.get("x-ratelimit-reset")))


PIPEDRIVE = VendorTable("Pipedrive", CRM, describe=describe_pipedrive_error, rate_limit_wait=BURST_WINDOW_SECONDS)
RATE_RULES = RateRules("Pipedrive", remaining_header="x-ratelimit-remaining", reset_header="x-ratelimit-reset",
                       default_wait=BURST_WINDOW_SECONDS, block_after_429=True)


def reported_failure(body: dict[str, Any], what: str) -> None:
    """Pipedrive's envelope may say ``success: false`` with a 2xx status."""
    if body.get("success") is False:
        message = str(body.get("error") or body.get("message") or "")[:200]
        raise UpstreamRejected(f"Pipedrive {what}: Pipedrive reported failure ({message})", side=CRM,
                               vendor_code=str(body.get("code") or "")[:60] or None)


def pipedrive_api(tokens: TokenSource, limiter: RateLimiter, key: str, *, timeout: float) -> CRMApi:
    """JSON calls against one company's Pipedrive API (the host is the tenant's ``api_domain``)."""
    return CRMApi(table=PIPEDRIVE, tokens=tokens, limiter=limiter, key=key, timeout=timeout,
                  refresh_on_401=True, check=reported_failure)
