"""HubSpot OAuth 2.0 authorization-code flow (authlib) and token endpoints.

Docs: https://developers.hubspot.com/docs/api-reference/auth-oauth-v3/guide (v3 token endpoint,
parameters in the form body, accepts ``code_verifier``);
https://developers.hubspot.com/changelog/additional-details-returned-when-generating-oauth-access-tokens
(``hub_id`` and ``scopes`` in every token response since Aug 18, 2025);
https://developers.hubspot.com/docs/api-reference/legacy/authentication/oauth-tokens/v1/get-oauth-token-metadata
(``GET /oauth/v1/access-tokens/{token}`` for older responses without ``hub_id``).
Access tokens live 30 minutes (``expires_in: 1800``); we always go by ``expires_in``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import requests
from authlib.integrations.requests_client import OAuth2Session

from app.crm.hubspot.errors import HubSpotProblem
from app.net.policy import PUBLIC_ONLY
from app.net.session import guard_session, policy_session

AUTHORIZE_URL = "https://app.hubspot.com/oauth/authorize"
TOKEN_URL = "https://api.hubapi.com/oauth/v3/token"
TOKEN_METADATA_URL = "https://api.hubapi.com/oauth/v1/access-tokens/{token}"
REFRESH_TOKEN_URL = "https://api.hubapi.com/oauth/v1/refresh-tokens/{token}"

#: companies (card context, associations, ERP customer id), deals (read + PATCH order number),
#: line items (order lines), deal property creation on install (crm.schemas.deals.write).
#: ``oauth`` is HubSpot's base scope for any OAuth app.
SCOPES = (
    "oauth",
    "crm.objects.companies.read", "crm.objects.companies.write",
    "crm.objects.deals.read", "crm.objects.deals.write",
    "crm.objects.line_items.read", "crm.objects.line_items.write",
    "crm.schemas.deals.write",
)


class OAuthFailure(HubSpotProblem):
    """A token endpoint call failed; ``retriable`` when HubSpot (not our input) was the problem."""


@dataclass(frozen=True)
class TokenSet:
    """A token response, normalised (HubSpot's generated API reference also shows camelCase keys)."""

    access_token: str
    refresh_token: str
    expires_in: int
    hub_id: str = ""
    user_id: str = ""
    hub_domain: str = ""
    scopes: tuple[str, ...] = field(default_factory=tuple)

    @classmethod
    def from_response(cls, data: dict) -> TokenSet:
        def pick(*keys):
            return next((data[k] for k in keys if data.get(k) not in (None, "")), "")
        if not pick("access_token", "accessToken"):
            raise OAuthFailure("HubSpot's token response has no access token", "token_response_invalid")
        scopes = pick("scopes", "scope") or ()
        if isinstance(scopes, str):
            scopes = scopes.split()
        return cls(access_token=str(pick("access_token", "accessToken")),
                   refresh_token=str(pick("refresh_token", "refreshToken")),
                   expires_in=int(pick("expires_in", "expiresIn") or 1800),
                   hub_id=str(pick("hub_id", "hubId")), user_id=str(pick("user_id", "userId")),
                   hub_domain=str(pick("hub_domain", "hubDomain")), scopes=tuple(scopes))


def _raise_for_token_status(resp: requests.Response) -> requests.Response:
    """authlib only looks for an ``error`` key; HubSpot answers errors with ``status``/``message``."""
    if resp.status_code < 300:
        return resp
    try:
        body = resp.json()
    except ValueError:
        body = {}
    code = str(body.get("error") or body.get("status") or resp.status_code)
    if resp.status_code >= 500 or resp.status_code == 429:
        raise OAuthFailure(f"HubSpot's token endpoint is unavailable ({resp.status_code})",
                           "hubspot_token_unavailable", retriable=True)
    # invalid_grant / BAD_AUTH_CODE / BAD_REFRESH_TOKEN: the code or refresh token is not (or no
    # longer) valid - e.g. the app was uninstalled in HubSpot. Never echo the vendor body (tokens).
    raise OAuthFailure(f"HubSpot refused the token request ({code})", "hubspot_token_rejected")


class HubSpotOAuth:
    """Talks to HubSpot's OAuth endpoints for one app (client id/secret)."""

    def __init__(self, client_id: str, client_secret: str, redirect_uri: str, *, timeout: float = 10.0,
                 use_pkce: bool = True, scopes: tuple[str, ...] = SCOPES):
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uri = redirect_uri
        self.timeout = timeout
        self.use_pkce = use_pkce
        self.scopes = scopes
        self.http = policy_session(PUBLIC_ONLY, "HubSpot")

    def _session(self) -> OAuth2Session:
        session = OAuth2Session(self.client_id, self.client_secret, scope=" ".join(self.scopes),
                                redirect_uri=self.redirect_uri, token_endpoint_auth_method="client_secret_post",
                                code_challenge_method="S256" if self.use_pkce else None)
        guard_session(session, PUBLIC_ONLY, "HubSpot")
        session.register_compliance_hook("access_token_response", _raise_for_token_status)
        session.register_compliance_hook("refresh_token_response", _raise_for_token_status)
        return session

    def authorization_url(self, state: str, code_verifier: str | None) -> str:
        """Where to send the installing admin (PKCE S256 challenge when a verifier is given)."""
        kwargs = {"code_verifier": code_verifier} if (self.use_pkce and code_verifier) else {}
        url, _ = self._session().create_authorization_url(AUTHORIZE_URL, state=state, **kwargs)
        return url

    def exchange_code(self, code: str, code_verifier: str | None) -> TokenSet:
        """Trade the one-time authorization code for tokens (v3 endpoint, form body)."""
        kwargs = {"code_verifier": code_verifier} if (self.use_pkce and code_verifier) else {}
        try:
            token = self._session().fetch_token(TOKEN_URL, code=code, grant_type="authorization_code",
                                                timeout=self.timeout, **kwargs)
        except requests.RequestException:
            raise OAuthFailure("HubSpot's token endpoint could not be reached", "hubspot_token_unavailable",
                               retriable=True) from None
        except OAuthFailure:
            raise
        except Exception as exc:  # authlib OAuthError and friends; message only, never the body
            raise OAuthFailure(f"HubSpot refused the authorization code ({type(exc).__name__})",
                               "hubspot_token_rejected") from None
        return TokenSet.from_response(dict(token))

    def refresh(self, refresh_token: str) -> TokenSet:
        """A new 30-minute access token from the refresh token."""
        try:
            token = self._session().refresh_token(TOKEN_URL, refresh_token=refresh_token, timeout=self.timeout)
        except requests.RequestException:
            raise OAuthFailure("HubSpot's token endpoint could not be reached", "hubspot_token_unavailable",
                               retriable=True) from None
        except OAuthFailure:
            raise
        except Exception as exc:
            raise OAuthFailure(f"HubSpot refused the refresh token ({type(exc).__name__})",
                               "hubspot_token_rejected") from None
        return TokenSet.from_response(dict(token))

    def token_metadata(self, access_token: str) -> dict:
        """``{hub_id, user_id, user, hub_domain, scopes, app_id, ...}`` for an access token."""
        try:
            resp = self.http.get(TOKEN_METADATA_URL.format(token=access_token), timeout=self.timeout)
        except requests.RequestException:
            raise OAuthFailure("HubSpot's token metadata could not be read", "hubspot_token_unavailable",
                               retriable=True) from None
        _raise_for_token_status(resp)
        return resp.json()

    def delete_refresh_token(self, refresh_token: str) -> None:
        """Revoke our refresh token on uninstall (HubSpot: deletes the token, does not uninstall the app)."""
        resp = self.http.delete(REFRESH_TOKEN_URL.format(token=refresh_token), timeout=self.timeout)
        if resp.status_code >= 300 and resp.status_code != 404:
            raise OAuthFailure(f"HubSpot did not delete the refresh token ({resp.status_code})",
                               "hubspot_revoke_failed", retriable=resp.status_code >= 500)
