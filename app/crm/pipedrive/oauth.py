"""Pipedrive OAuth 2.0 authorization-code flow (authlib), token refresh and revocation.

Contract (https://developers.pipedrive.com/docs/api/v1/Oauth):
authorize at ``https://oauth.pipedrive.com/oauth/authorize?client_id&redirect_uri&state``;
token at ``https://oauth.pipedrive.com/oauth/token``, form body, HTTP Basic
``client_id:client_secret``; the response carries ``api_domain`` (the company's
API host). Refresh uses the same endpoint with ``grant_type=refresh_token``.

PKCE: Pipedrive's authorize reference lists only client_id, redirect_uri and
state (https://pipedrive.readme.io/docs/marketplace-oauth-authorization, copy of
2026-06-09); PKCE is not documented, so no code_challenge is sent
(``PKCE_SUPPORTED``). The confidential client secret plus a browser-bound,
one-time state protect the code instead.

Not implemented: revocation for an uninstall started on our side (``POST /oauth/revoke``,
RFC 7009, https://pipedrive.readme.io/docs/app-uninstallation); uninstalls start in Pipedrive.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import requests
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session

from app.clock import Clock
from app.crm.base import CRMAuthError, CRMFatalError, CRMRateLimited, CRMRetriableError
from app.net.client import ErrorKinds, retry_after_seconds, transport_error
from app.net.policy import PUBLIC_ONLY
from app.net.session import guard_session

OAUTH_BASE = "https://oauth.pipedrive.com"
AUTHORIZE_URL = OAUTH_BASE + "/oauth/authorize"
TOKEN_URL = OAUTH_BASE + "/oauth/token"
PKCE_SUPPORTED = False
PIPEDRIVE_ERRORS = ErrorKinds(retriable=CRMRetriableError, fatal=CRMFatalError, prefix="crm")
#: when the token response omits expires_in (observed 3599 in 3rd-party examples; not documented)
DEFAULT_EXPIRES_IN = 3599


@dataclass(frozen=True)
class TokenSet:
    """A token response, normalised."""

    access_token: str
    refresh_token: str | None
    expires_at: datetime
    api_domain: str | None
    scope: str


class PipedriveOAuth:
    """The app's OAuth client: one per process, stateless between calls."""

    def __init__(self, client_id: str, client_secret: str, redirect_uri: str, clock: Clock,
                 timeout: float = 10.0):
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uri = redirect_uri
        self.clock = clock
        self.timeout = timeout

    @property
    def configured(self) -> bool:
        return bool(self.client_id and self.client_secret)

    def _session(self) -> OAuth2Session:
        session = OAuth2Session(self.client_id, self.client_secret, redirect_uri=self.redirect_uri,
                                token_endpoint_auth_method="client_secret_basic")
        guard_session(session, PUBLIC_ONLY, "Pipedrive")
        session.register_compliance_hook("access_token_response", _classify_http_failure)
        session.register_compliance_hook("refresh_token_response", _classify_http_failure)
        return session

    def authorize_url(self, state: str) -> str:
        """Where to send the admin's browser to approve the install."""
        url, _ = self._session().create_authorization_url(AUTHORIZE_URL, state=state)
        return url

    def exchange_code(self, code: str) -> TokenSet:
        """Trade the authorization code for tokens (the exact registered redirect_uri is sent)."""
        return self._call(lambda s: s.fetch_token(TOKEN_URL, grant_type="authorization_code", code=code,
                                                  timeout=self.timeout), "authorization code exchange")

    def refresh(self, refresh_token: str) -> TokenSet:
        """New access token (and possibly a rotated refresh token)."""
        token = self._call(lambda s: s.refresh_token(TOKEN_URL, refresh_token=refresh_token,
                                                     timeout=self.timeout), "token refresh")
        if token.refresh_token is None:
            return TokenSet(token.access_token, refresh_token, token.expires_at, token.api_domain, token.scope)
        return token

    def _call(self, action, what: str) -> TokenSet:
        session = self._session()
        try:
            raw = action(session)
        except OAuthError as exc:
            # invalid_grant / invalid_client / access_denied: retrying will not help
            raise CRMAuthError(f"Pipedrive {what} was refused ({exc.error})", reason="crm_oauth_refused") from None
        except (CRMRetriableError, CRMAuthError):
            raise
        except requests.RequestException as exc:
            raise transport_error(exc, vendor="Pipedrive", url=TOKEN_URL, errors=PIPEDRIVE_ERRORS) from None
        except ValueError:
            raise CRMRetriableError(f"Pipedrive {what} returned an unreadable answer") from None
        finally:
            session.close()
        return self._token_set(raw, what)

    def _token_set(self, raw: dict, what: str) -> TokenSet:
        access = raw.get("access_token")
        if not access:
            raise CRMAuthError(f"Pipedrive {what} returned no access token", reason="crm_oauth_refused")
        try:
            expires_in = int(raw.get("expires_in") or DEFAULT_EXPIRES_IN)
        except (TypeError, ValueError):
            expires_in = DEFAULT_EXPIRES_IN
        domain = raw.get("api_domain")
        return TokenSet(access_token=access, refresh_token=raw.get("refresh_token"),
                        expires_at=self.clock.now() + timedelta(seconds=expires_in),
                        api_domain=normalise_api_domain(domain) if domain else None,
                        scope=str(raw.get("scope") or ""))


def normalise_api_domain(value: str) -> str:
    """``https://<company>.pipedrive.com`` without a trailing slash; anything else is refused."""
    from urllib.parse import urlsplit
    parts = urlsplit(value.strip())
    host = (parts.hostname or "").lower()
    if parts.scheme != "https" or not (host == "pipedrive.com" or host.endswith(".pipedrive.com")):
        raise CRMAuthError("Pipedrive returned an unexpected api_domain", reason="crm_bad_api_domain")
    return f"https://{host}"


def _classify_http_failure(response: requests.Response) -> requests.Response:
    """Turn 429/5xx/non-JSON token answers into our errors before authlib parses them."""
    if response.status_code == 429:
        raise CRMRateLimited("Pipedrive OAuth server is rate limiting", status=429,
                             retry_after=retry_after_seconds(response.headers.get("Retry-After")))
    if response.status_code >= 500:
        raise CRMRetriableError(f"Pipedrive OAuth server answered HTTP {response.status_code}",
                                status=response.status_code)
    if response.status_code >= 400 and "json" not in response.headers.get("Content-Type", ""):
        raise CRMAuthError(f"Pipedrive OAuth server refused the request (HTTP {response.status_code})",
                           reason="crm_oauth_refused", status=response.status_code)
    return response
