"""One token set and one token holder for every CRM installation: stored encrypted, refreshed early.

:class:`InstallationTokens` hands out an access token for a tenant and refreshes it (once, under a
per-tenant lock, re-reading the store first in case another thread already did) when less than
the vendor's margin is left. The vendor's own rules are parameters (:class:`TokenRules`): how
early to refresh, what ``expires_in`` to assume when the answer has none, whether a 401 means
"refresh and try again" (Pipedrive) or not (HubSpot says a 401 is not a reliable signal), and
whether a still-valid token may serve while the token endpoint is down.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from app.clock import Clock
from app.crm.oauth.client import OAUTH_REFUSED, OAuthClient
from app.errors import CRM, UpstreamAuthFailed, UpstreamError
from app.tenants.model import CRMCredentials
from app.tenants.store import TenantStore

_TOKEN_KEYS = {"access_token", "accessToken", "refresh_token", "refreshToken", "expires_in", "expiresIn",
               "expires_at", "scope", "scopes", "token_type", "tokenType", "api_domain"}


@dataclass(frozen=True)
class TokenRules:
    """A vendor's token rules."""

    vendor: str
    #: refresh when less than this is left
    refresh_margin: timedelta
    #: lifetime to assume when a token answer has no ``expires_in``
    default_expires_in: int
    #: a 401 from the API means "refresh, then repeat the call once"
    refresh_on_401: bool = False
    #: while the token endpoint is down, a token that has not expired yet may still serve
    use_unexpired_token_on_outage: bool = False
    #: checks and normalises the API host a token answer names (raise to refuse it)
    api_domain: Callable[[str], str] | None = None
    #: the token answer's key naming that host (Pipedrive ``api_domain``, Salesforce ``instance_url``)
    api_domain_key: str = "api_domain"
    #: where an installation's tokens are refreshed when not at the app's token URL (Salesforce: the org's
    #: My Domain, so production and sandbox orgs refresh at their own host); None: the app's token URL
    refresh_url: Callable[[CRMCredentials], str | None] | None = None


@dataclass(frozen=True)
class TokenSet:
    """A token response, normalised (snake_case or camelCase keys; scopes as a space-separated string)."""

    access_token: str
    refresh_token: str | None
    expires_at: datetime
    scopes: str = ""
    #: the host the tenant's API lives on, when the vendor names one (Pipedrive's ``api_domain``)
    api_domain: str | None = None
    #: what else the answer said (e.g. HubSpot's ``hub_id``, ``user_id``, ``hub_domain``), as text
    extra: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_response(cls, raw: Mapping[str, Any], *, now: datetime, rules: TokenRules) -> TokenSet:
        """Parse a token endpoint answer; no access token is a refusal (``crm_oauth_refused``)."""
        def pick(*keys: str) -> Any:
            return next((raw[k] for k in keys if raw.get(k) not in (None, "")), None)
        access = pick("access_token", "accessToken")
        if not access:
            raise UpstreamAuthFailed(f"{rules.vendor} returned no access token", side=CRM, reason=OAUTH_REFUSED)
        try:
            expires_in = int(pick("expires_in", "expiresIn") or rules.default_expires_in)
        except (TypeError, ValueError):
            expires_in = rules.default_expires_in
        scopes = pick("scope", "scopes") or ""
        refresh = pick("refresh_token", "refreshToken")
        return cls(access_token=str(access), refresh_token=str(refresh) if refresh else None,
                   expires_at=now + timedelta(seconds=expires_in),
                   scopes=" ".join(scopes) if isinstance(scopes, list | tuple) else str(scopes),
                   api_domain=_api_domain(raw.get(rules.api_domain_key), rules),
                   extra={k: str(v) for k, v in raw.items()
                          if k not in _TOKEN_KEYS and isinstance(v, str | int) and not isinstance(v, bool)})


def _api_domain(value: Any, rules: TokenRules) -> str | None:
    if not value:
        return None
    return rules.api_domain(str(value)) if rules.api_domain is not None else str(value)


@dataclass(frozen=True)
class AccessToken:
    """A usable access token and the API host it belongs to (None: the vendor's fixed host)."""

    token: str
    api_domain: str | None


class InstallationTokens:
    """The access token of each installation of one CRM."""

    def __init__(self, tenants: TenantStore, client: OAuthClient, clock: Clock, rules: TokenRules):
        self.tenants = tenants
        self.client = client
        self.clock = clock
        self.rules = rules
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def parse(self, raw: Mapping[str, Any]) -> TokenSet:
        return TokenSet.from_response(raw, now=self.clock.now(), rules=self.rules)

    def save(self, tenant_id: str, tokens: TokenSet, *, extra: dict[str, str] | None = None,
             previous: CRMCredentials | None = None) -> None:
        """Store a token set encrypted; a refresh without a new refresh token or API host keeps the old
        ones; ``extra=None`` keeps the stored extras."""
        self.tenants.save_crm_credentials(
            tenant_id, access_token=tokens.access_token,
            refresh_token=tokens.refresh_token or (previous.refresh_token if previous else None),
            expires_at=tokens.expires_at, api_domain=tokens.api_domain or (previous.api_domain if previous else None),
            scopes=tokens.scopes or (previous.scopes if previous else ""), extra=extra)

    def _fresh(self, creds: CRMCredentials) -> bool:
        return bool(creds.access_token and creds.expires_at is not None
                    and creds.expires_at - self.rules.refresh_margin > self.clock.now())

    def _stored(self, tenant_id: str) -> CRMCredentials:
        creds = self.tenants.get_crm_credentials(tenant_id)
        if creds is None or not creds.access_token:
            raise UpstreamAuthFailed(f"{self.rules.vendor} is not connected for this installation; reinstall the app",
                                     side=CRM, reason="crm_not_connected")
        return creds

    def current(self, tenant_id: str) -> AccessToken:
        """A token valid for at least the vendor's margin, refreshing first when due."""
        creds = self._stored(tenant_id)
        if self._fresh(creds):
            return AccessToken(str(creds.access_token), creds.api_domain)
        return self.refresh(tenant_id, stale=creds.access_token)

    def refresh(self, tenant_id: str, stale: str | None = None) -> AccessToken:
        """Refresh now, one refresh per tenant at a time; skipped when another thread already replaced
        the ``stale`` token with a fresh one."""
        with self._lock(tenant_id):
            creds = self._stored(tenant_id)
            if creds.access_token != stale and self._fresh(creds):
                return AccessToken(str(creds.access_token), creds.api_domain)
            if not creds.refresh_token:
                raise UpstreamAuthFailed(f"No {self.rules.vendor} refresh token stored; reinstall the app", side=CRM,
                                         reason="crm_not_connected")
            try:
                url = self.rules.refresh_url(creds) if self.rules.refresh_url is not None else None
                tokens = self.parse(self.client.refresh(creds.refresh_token, token_url=url))
            except UpstreamError as exc:
                unexpired = creds.expires_at is not None and creds.expires_at > self.clock.now()
                if exc.retriable and unexpired and self.rules.use_unexpired_token_on_outage:
                    return AccessToken(str(creds.access_token), creds.api_domain)   # minutes left: use them
                if exc.retriable:
                    raise
                raise UpstreamAuthFailed(f"{self.rules.vendor} no longer accepts this installation's refresh token; "
                                         "an admin must reinstall the app", side=CRM, reason=OAUTH_REFUSED,
                                         vendor_code=exc.vendor_code) from None
            self.save(tenant_id, tokens, previous=creds)
            return AccessToken(tokens.access_token, tokens.api_domain or creds.api_domain)

    def _lock(self, tenant_id: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(tenant_id, threading.Lock())
