"""Small HTTP client for HubSpot's CRM v3 APIs (one installation), on the shared outbound layer.

Every call has a timeout and goes through the outbound URL policy (:mod:`app.net`); only
idempotent methods are retried (GET, and PATCH/PUT/DELETE which set the same state again),
with an injected ``sleep`` so tests never wait. Status mapping follows
https://developers.hubspot.com/docs/api/error-handling: 429 -> CRMRateLimited (``Retry-After``
when present - HubSpot's own pages do not promise it - else the rolling 10 s window),
401 -> CRMAuthError, 403 -> missing scope, 404 -> CRMNotFoundError, 5xx/521-523 -> retriable.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import requests

from app.crm.base import (
    CRMAuthError,
    CRMError,
    CRMFatalError,
    CRMNotFoundError,
    CRMRateLimited,
    CRMRetriableError,
)
from app.crm.hubspot.ratelimit import WINDOW_SECONDS, PortalRateLimiter
from app.net.client import ErrorKinds, OutboundHTTP, RetryPolicy, retry_after_seconds
from app.net.policy import PUBLIC_ONLY, OutboundPolicy

API_BASE = "https://api.hubapi.com"
IDEMPOTENT = frozenset({"GET", "PATCH", "PUT", "DELETE"})
HUBSPOT_ERRORS = ErrorKinds(retriable=CRMRetriableError, fatal=CRMFatalError, prefix="hubspot")


def retry_policy(max_attempts: int) -> RetryPolicy:
    """Pauses of 0.5 s then 2 s; a 429 is never waited out here (the window is seconds long,
    the caller reschedules)."""
    return RetryPolicy(retries=max_attempts - 1, first_pause=0.5, factor=4.0, max_retry_after_wait=0.0)


def _vendor_fields(resp: requests.Response) -> tuple[str, str | None]:
    """HubSpot's short error sentence (``message``) and code (``category``/``errorType``), never the body."""
    try:
        body = resp.json()
        message = str(body.get("message", ""))
        code = body.get("category") or body.get("errorType")
    except (ValueError, AttributeError):
        message, code = "", None
    return message[:200], (str(code)[:60] if code else None)


def error_for(resp: requests.Response) -> CRMError:
    """Translate a non-2xx HubSpot response into the CRM error tree."""
    status = resp.status_code
    detail, code = _vendor_fields(resp)
    if status == 429:
        wait = retry_after_seconds(resp.headers.get("Retry-After"))
        return CRMRateLimited(f"HubSpot rate limit reached {detail}".strip(), reason="hubspot_rate_limited",
                              status=429, retry_after=WINDOW_SECONDS if wait is None else wait, vendor_code=code)
    if status == 401:
        return CRMAuthError("HubSpot did not accept the access token", reason="hubspot_unauthorized", status=401)
    if status == 403:
        return CRMFatalError("The HubSpot app lacks a permission (scope) for this call; reinstall it",
                             reason="hubspot_missing_scope", status=403)
    if status == 404:
        return CRMNotFoundError(f"HubSpot has no such record {detail}".strip(), status=404)
    if status >= 500:
        return CRMRetriableError(f"HubSpot is unavailable ({status})", reason="hubspot_unavailable", status=status)
    return CRMFatalError(f"HubSpot rejected the request ({status}): {detail}", reason="hubspot_rejected",
                         status=status, vendor_code=code)


class HubSpotClient:
    """Authenticated, rate-limited requests for one portal."""

    def __init__(self, portal_id: str, token: Callable[[], str], limiter: PortalRateLimiter, *,
                 timeout: float = 5.0, sleep: Callable[[float], None] | None = None, max_attempts: int = 3,
                 policy: OutboundPolicy = PUBLIC_ONLY):
        self.portal_id = str(portal_id)
        self.token = token
        self.limiter = limiter
        self.net = OutboundHTTP(vendor="HubSpot", errors=HUBSPOT_ERRORS, policy=policy, timeout=timeout,
                                retry=retry_policy(max_attempts), sleep=sleep or time.sleep)

    def request(self, method: str, path: str, *, params: dict | None = None, json: Any = None,
                idempotent: bool | None = None) -> dict:
        """Call ``API_BASE + path``; returns the JSON body ({} when empty) or raises a CRMError.

        ``idempotent=True`` marks a POST that only reads (batch read) as safe to retry.
        """
        method = method.upper()
        # taken once, outside the retries: a token refresh failure is reported, not retried here
        headers = {"Authorization": f"Bearer {self.token()}", "Accept": "application/json"}

        def attempt() -> dict:
            self.limiter.acquire(self.portal_id)
            resp = self.net.send(method, API_BASE + path, params=params, json=json, headers=headers)
            if resp.status_code < 300:
                return resp.json() if resp.content else {}
            raise error_for(resp)

        return self.net.with_retries(attempt, safe=method in IDEMPOTENT if idempotent is None else idempotent,
                                     what=f"{method} {path}")

    def get(self, path: str, **params: Any) -> dict:
        return self.request("GET", path, params=params or None)
