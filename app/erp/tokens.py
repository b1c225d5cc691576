"""Bearer tokens for ERP APIs: one request hook and one "refresh once on 401" rule.

Vendor token sources (NetSuite's OAuth 2.0 client credentials, Microsoft Entra via msal)
cache their access token until it expires. A token can still be refused before that
(revoked, clock skew, a server-side rotation): a 401 on a request sent with a *cached*
token drops it, fetches a new one and repeats the request once. A 401 on a token fetched
for this very request is a real credential problem and is raised as is. Repeating the
request is safe even for writes: a 401 means the ERP refused it before doing anything.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

import requests

from app.erp.limits import ConcurrencyGate
from app.errors import UpstreamAuthFailed

T = TypeVar("T")


class TokenSource(Protocol):
    def token(self) -> tuple[str, bool]:
        """(access token, True when it was fetched just now rather than taken from the cache)."""

    def invalidate(self) -> None:
        """Forget the cached token so the next ``token()`` fetches a new one."""


class BearerAuth(requests.auth.AuthBase):
    """requests hook that puts the source's current token on every request."""

    def __init__(self, source: TokenSource):
        self.source = source

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        token, _fresh = self.source.token()
        request.headers["Authorization"] = f"Bearer {token}"
        return request


def authorized_call(send: Callable[[], T], *, tokens: TokenSource | None, gate: ConcurrencyGate) -> T:
    """Run ``send`` inside the account's concurrency gate, refreshing a refused cached token once."""
    with gate.slot():
        fresh = tokens.token()[1] if tokens is not None else True
        try:
            return send()
        except UpstreamAuthFailed as exc:
            if tokens is None or fresh or exc.status != 401:
                raise
            tokens.invalidate()
            return send()
