"""The one small HTTP client every Pipedrive API call goes through (on the shared outbound layer).

- Every call has a timeout and obeys the outbound URL policy (:mod:`app.net`); the host is
  the tenant's ``api_domain``.
- Access tokens are refreshed shortly before ``expires_at`` (and once more if the
  API still answers 401), and the new tokens are stored encrypted.
- Rate limits (https://pipedrive.readme.io/docs/core-api-concepts-rate-limiting):
  429 -> CRMRateLimited with ``Retry-After`` when present (the current docs do not
  promise it), else ``x-ratelimit-reset`` (seconds), else the 2-second burst
  window. When ``x-ratelimit-remaining`` reaches 0 the gate refuses further calls
  for that tenant until the reset instead of burning the company's budget on 429s.
- No retries here: the worker retries retriable errors with back-off; the only
  repeat is the single 401 -> refresh -> same request, which the API never processed.
- Bodies and tokens are never logged or put in error messages.
"""
from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import requests

from app.clock import Clock
from app.crm.base import CRMAuthError, CRMFatalError, CRMNotFoundError, CRMRateLimited, CRMRetriableError
from app.crm.pipedrive.oauth import PIPEDRIVE_ERRORS, PipedriveOAuth
from app.net.client import OutboundHTTP, retry_after_seconds
from app.net.policy import PUBLIC_ONLY, OutboundPolicy
from app.tenants.store import TenantStore

REFRESH_MARGIN = timedelta(seconds=120)
BURST_WINDOW_SECONDS = 2.0


class RateGate:
    """Remembers, per tenant, until when Pipedrive told us to stop (thread-safe)."""

    def __init__(self, clock: Clock):
        self.clock = clock
        self._until: dict[str, float] = {}
        self._lock = threading.Lock()

    def check(self, key: str) -> None:
        with self._lock:
            until = self._until.get(key, 0.0)
        wait = until - self.clock.timestamp()
        if wait > 0:
            raise CRMRateLimited("Pipedrive API budget exhausted; waiting for the reset", retry_after=wait)

    def block(self, key: str, seconds: float) -> None:
        with self._lock:
            self._until[key] = max(self._until.get(key, 0.0), self.clock.timestamp() + seconds)


class TenantTokens:
    """Access token for one tenant, refreshed before expiry and saved back encrypted."""

    _locks: dict[str, threading.Lock] = {}
    _locks_guard = threading.Lock()

    def __init__(self, tenant_id: str, store: TenantStore, oauth: PipedriveOAuth, clock: Clock):
        self.tenant_id = tenant_id
        self.store = store
        self.oauth = oauth
        self.clock = clock

    def _lock(self) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(self.tenant_id, threading.Lock())

    def current(self) -> tuple[str, str]:
        """(access_token, api_domain), refreshing first when it expires within the margin."""
        creds = self.store.get_crm_credentials(self.tenant_id)
        if creds is None or not creds.access_token or not creds.api_domain:
            raise CRMAuthError("Pipedrive is not connected for this installation; reinstall the app",
                               reason="crm_not_connected")
        if creds.expires_at is not None and creds.expires_at - REFRESH_MARGIN <= self.clock.now():
            return self.refresh(expected=creds.access_token)
        return creds.access_token, creds.api_domain

    def refresh(self, expected: str | None = None) -> tuple[str, str]:
        """Refresh now (one refresh per tenant at a time; skip if another thread already did)."""
        with self._lock():
            creds = self.store.get_crm_credentials(self.tenant_id)
            if creds is None or not creds.refresh_token:
                raise CRMAuthError("No Pipedrive refresh token stored; reinstall the app",
                                   reason="crm_not_connected")
            fresh_enough = creds.expires_at is None or creds.expires_at - REFRESH_MARGIN > self.clock.now()
            if expected is not None and creds.access_token != expected and fresh_enough:
                return creds.access_token, creds.api_domain
            tokens = self.oauth.refresh(creds.refresh_token)
            domain = tokens.api_domain or creds.api_domain
            self.store.save_crm_credentials(self.tenant_id, access_token=tokens.access_token,
                                            refresh_token=tokens.refresh_token, expires_at=tokens.expires_at,
                                            api_domain=domain, scopes=tokens.scope or creds.scopes, extra=None)
            return tokens.access_token, domain


class PipedriveClient:
    """JSON calls against one company's Pipedrive API."""

    def __init__(self, tokens: TenantTokens, gate: RateGate, *, timeout: float = 10.0,
                 policy: OutboundPolicy = PUBLIC_ONLY):
        self.tokens = tokens
        self.gate = gate
        self.net = OutboundHTTP(vendor="Pipedrive", errors=PIPEDRIVE_ERRORS, policy=policy, timeout=timeout)

    def get(self, path: str, params: dict | None = None) -> dict[str, Any]:
        return self.request("GET", path, params=params)

    def post(self, path: str, body: dict) -> dict[str, Any]:
        return self.request("POST", path, body=body)

    def patch(self, path: str, body: dict) -> dict[str, Any]:
        return self.request("PATCH", path, body=body)

    def delete(self, path: str) -> dict[str, Any]:
        return self.request("DELETE", path)

    def request(self, method: str, path: str, *, params: dict | None = None,
                body: dict | None = None) -> dict[str, Any]:
        """The response envelope ``{"success", "data", "additional_data"}``; raises CRMError subclasses."""
        key = self.tokens.tenant_id
        self.gate.check(key)
        token, domain = self.tokens.current()
        response = self._send(method, domain + path, token, params, body)
        if response.status_code == 401:
            token, domain = self.tokens.refresh(expected=token)
            response = self._send(method, domain + path, token, params, body)
        self._note_budget(key, response)
        return self._result(method, path, response)

    def _send(self, method, url, token, params, body) -> requests.Response:
        return self.net.send(method, url, params=params, json=body,
                             headers={"Authorization": f"Bearer {token}", "Accept": "application/json"})

    def _note_budget(self, key: str, response: requests.Response) -> None:
        remaining = _number(response.headers.get("x-ratelimit-remaining"))
        if remaining is not None and remaining <= 0:
            reset = retry_after_seconds(response.headers.get("x-ratelimit-reset"))
            self.gate.block(key, reset if reset is not None else BURST_WINDOW_SECONDS)

    def _result(self, method: str, path: str, response: requests.Response) -> dict[str, Any]:
        status = response.status_code
        what = f"Pipedrive {method} {path.split('?')[0]}"
        if status == 429:
            wait = (retry_after_seconds(response.headers.get("Retry-After"))
                    or retry_after_seconds(response.headers.get("x-ratelimit-reset")) or BURST_WINDOW_SECONDS)
            self.gate.block(self.tokens.tenant_id, wait)
            raise CRMRateLimited(f"{what}: rate limited", status=429, retry_after=wait)
        if status >= 500:
            raise CRMRetriableError(f"{what}: Pipedrive answered HTTP {status}", status=status)
        envelope = _json(response)
        message = str(envelope.get("error") or envelope.get("message") or "")[:200]
        vendor_code = str(envelope.get("code") or "")[:60] or None  # e.g. feature_capping_deals_limit
        if status == 401:
            raise CRMAuthError(f"{what}: access token refused", status=401)
        if status == 403:
            raise CRMFatalError(f"{what}: not allowed ({message or 'missing scope or permission'})",
                                reason="crm_forbidden", status=403)
        if status == 404 or (status == 410):
            raise CRMNotFoundError(f"{what}: not found", status=status)
        if status >= 300:
            raise CRMFatalError(f"{what}: rejected with HTTP {status} ({message})", status=status,
                                vendor_code=vendor_code)
        if envelope.get("success") is False:
            raise CRMFatalError(f"{what}: Pipedrive reported failure ({message})", status=status,
                                vendor_code=vendor_code)
        return envelope


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        return None



