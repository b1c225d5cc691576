"""Access tokens per installation: stored encrypted, refreshed before they expire.

HubSpot access tokens live 30 minutes and HubSpot says a 401 is *not* a reliable signal to
refresh (https://developers.hubspot.com/docs/guides/apps/api-usage/usage-details), so we refresh
proactively when less than ``REFRESH_MARGIN`` is left, from the stored ``expires_at``.
"""
from __future__ import annotations

import threading
from datetime import timedelta

from app.clock import Clock
from app.crm.base import CRMAuthError, CRMRetriableError
from app.crm.hubspot.oauth import HubSpotOAuth, OAuthFailure, TokenSet
from app.tenants.store import TenantStore

REFRESH_MARGIN = timedelta(minutes=5)


class HubSpotTokens:
    """Hands out a valid access token for a tenant, refreshing (once, under a lock) when due."""

    def __init__(self, tenants: TenantStore, oauth: HubSpotOAuth, clock: Clock):
        self.tenants = tenants
        self.oauth = oauth
        self.clock = clock
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def save(self, tenant_id: str, token: TokenSet, extra: dict[str, str] | None = None,
             fallback_refresh_token: str | None = None) -> None:
        """Persist a token response (encrypted by the TenantStore)."""
        self.tenants.save_crm_credentials(
            tenant_id, access_token=token.access_token,
            refresh_token=token.refresh_token or fallback_refresh_token,
            expires_at=self.clock.now() + timedelta(seconds=token.expires_in),
            scopes=" ".join(token.scopes), extra=extra)

    def _lock(self, tenant_id: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(tenant_id, threading.Lock())

    def _valid(self, creds) -> bool:
        return bool(creds.access_token and creds.expires_at
                    and creds.expires_at - self.clock.now() > REFRESH_MARGIN)

    def access_token(self, tenant_id: str) -> str:
        """A token valid for at least a few more minutes; raises CRMAuthError / CRMRetriableError."""
        creds = self.tenants.get_crm_credentials(tenant_id)
        if creds is not None and self._valid(creds):
            return creds.access_token
        with self._lock(tenant_id):
            creds = self.tenants.get_crm_credentials(tenant_id)   # another thread may have refreshed
            if creds is None or not creds.refresh_token:
                raise CRMAuthError("HubSpot is not connected for this installation; reinstall the app",
                                   reason="hubspot_not_connected")
            if self._valid(creds):
                return creds.access_token
            try:
                token = self.oauth.refresh(creds.refresh_token)
            except OAuthFailure as exc:
                still_usable = creds.access_token and creds.expires_at and creds.expires_at > self.clock.now()
                if exc.retriable and still_usable:
                    return creds.access_token       # HubSpot hiccup: the old token has minutes left
                if exc.retriable:
                    raise CRMRetriableError(str(exc), reason=exc.reason) from None
                raise CRMAuthError("HubSpot no longer accepts this installation's refresh token; "
                                   "an admin must reinstall the app", reason="hubspot_reauthorize") from None
            self.save(tenant_id, token, fallback_refresh_token=creds.refresh_token)
            return token.access_token
