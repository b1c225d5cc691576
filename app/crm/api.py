"""JSON calls to one installation's CRM API: the one client every CRM integration sends through.

What it does for every vendor: the installation's bearer token (refreshed early by the token
store; after a 401 refreshed and the call repeated once where the vendor's rules say a 401 means
that), the installation's rate limit (and the vendor's budget headers), a timeout and the outbound
URL policy on every call, retries only for idempotent calls, and failed answers sorted into the
shared error tree by the vendor's table (:mod:`app.net.vendor`). Bodies and tokens are never logged
or put in error messages.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Protocol

import requests

from app.crm.oauth.tokens import AccessToken, InstallationTokens, TokenSet
from app.crm.ratelimit import RateLimiter
from app.errors import CRM, UpstreamAuthFailed, UpstreamRateLimited
from app.net.client import NO_RETRY, OutboundHTTP, RetryPolicy
from app.net.policy import PUBLIC_ONLY, OutboundPolicy
from app.net.vendor import VendorTable

#: methods that set the same state again when repeated: retried like reads
IDEMPOTENT = frozenset({"GET", "PATCH", "PUT", "DELETE"})
#: inspects a 2xx body (a vendor reporting failure inside a 200); raises an UpstreamError
BodyCheck = Callable[[dict[str, Any], str], None]


class TokenSource(Protocol):
    """Where the client gets the installation's access token."""

    def current(self) -> AccessToken: ...

    def refresh(self, stale: str) -> AccessToken: ...


class TenantToken:
    """A tenant's token from the token store."""

    def __init__(self, tokens: InstallationTokens, tenant_id: str):
        self.tokens = tokens
        self.tenant_id = tenant_id

    def current(self) -> AccessToken:
        return self.tokens.current(self.tenant_id)

    def refresh(self, stale: str) -> AccessToken:
        return self.tokens.refresh(self.tenant_id, stale=stale)


class InstallToken:
    """Token source for the calls made during an install, before the tenant's tokens are stored."""

    def __init__(self, tokens: TokenSet, vendor: str):
        self._token = AccessToken(tokens.access_token, tokens.api_domain)
        self.vendor = vendor

    def current(self) -> AccessToken:
        return self._token

    def refresh(self, stale: str) -> AccessToken:
        raise UpstreamAuthFailed(f"{self.vendor} refused the new access token", side=CRM, reason="crm_auth_failed")


class CRMApi:
    """Calls against one installation's API."""

    def __init__(self, *, table: VendorTable, tokens: TokenSource, limiter: RateLimiter, key: str,
                 base_url: str = "", timeout: float = 10.0, retry: RetryPolicy = NO_RETRY,
                 refresh_on_401: bool = False, check: BodyCheck | None = None,
                 sleep: Callable[[float], None] = time.sleep, policy: OutboundPolicy = PUBLIC_ONLY):
        self.table = table
        self.tokens = tokens
        self.limiter = limiter
        self.key = key
        self.base_url = base_url.rstrip("/")
        self.refresh_on_401 = refresh_on_401
        self.check = check
        self.net = OutboundHTTP(vendor=table.vendor, side=table.side, policy=policy, timeout=timeout, retry=retry,
                                sleep=sleep)

    def get(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.request("GET", path, params=params)

    def post(self, path: str, body: Any, *, idempotent: bool | None = None) -> dict[str, Any]:
        return self.request("POST", path, json=body, idempotent=idempotent)

    def patch(self, path: str, body: Any) -> dict[str, Any]:
        return self.request("PATCH", path, json=body)

    def delete(self, path: str) -> dict[str, Any]:
        return self.request("DELETE", path)

    def request(self, method: str, path: str, *, params: dict[str, Any] | None = None, json: Any = None,
                idempotent: bool | None = None) -> dict[str, Any]:
        """The decoded JSON body ({} when empty); raises the vendor's UpstreamError kinds.

        ``idempotent=True`` marks a POST that only reads (a batch read) as safe to retry.
        """
        method = method.upper()
        what = f"{method} {path.split('?')[0]}"
        token = self.tokens.current()   # once, outside the retries: a refresh failure is reported, not retried

        def attempt() -> dict[str, Any]:
            self.limiter.acquire(self.key)
            response = self._send(method, token, path, params, json)
            if response.status_code == 401 and self.refresh_on_401:
                response = self._send(method, self.tokens.refresh(token.token), path, params, json)
            self.limiter.observe(self.key, response.headers)
            if response.status_code >= 300:
                error = self.table.error_for(response, what=what)
                if isinstance(error, UpstreamRateLimited) and error.retry_after and self.limiter.rules.block_after_429:
                    self.limiter.block(self.key, error.retry_after)
                raise error
            body = _json(response)
            if self.check is not None:
                self.check(body, what)
            return body

        safe = method in IDEMPOTENT if idempotent is None else idempotent
        return self.net.with_retries(attempt, safe=safe, what=what)

    def _send(self, method: str, token: AccessToken, path: str, params: dict[str, Any] | None,
              body: Any) -> requests.Response:
        base = token.api_domain or self.base_url
        return self.net.send(method, base + path, params=params, json=body,
                             headers={"Authorization": f"Bearer {token.token}", "Accept": "application/json"})


def _json(response: requests.Response) -> dict[str, Any]:
    if not response.content:
        return {}
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
