"""The OAuth 2.0 authorization-code client every CRM install uses (authlib), on the outbound policy.

A vendor describes its endpoints once (:class:`OAuthEndpoints`: authorize and token URLs, how the
client authenticates at the token endpoint, scopes, PKCE); this client builds the authorize URL,
exchanges codes, refreshes tokens and sorts failures into the shared error tree:

* no answer, 5xx -> UpstreamUnavailable (``crm_unreachable`` / ``crm_unavailable``), 429 -> rate limited;
* any other refusal (invalid_grant, invalid_client, a wrong PKCE verifier, an HTML 4xx page)
  -> UpstreamAuthFailed ``crm_oauth_refused``: retrying will not help.

Vendor bodies are never echoed (they may hold tokens); only the vendor's error code is kept.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session

from app.errors import CRM, UpstreamAuthFailed, UpstreamError, UpstreamUnavailable
from app.net.client import transport_error
from app.net.policy import PUBLIC_ONLY
from app.net.session import guard_session, policy_session
from app.net.vendor import VendorAnswer, VendorTable, json_object

OAUTH_REFUSED = "crm_oauth_refused"


@dataclass(frozen=True)
class OAuthEndpoints:
    """One vendor's OAuth app: where to send the admin, where to trade codes, how to authenticate."""

    vendor: str
    authorize_url: str
    token_url: str
    #: ``client_secret_basic`` (HTTP Basic) or ``client_secret_post`` (form body)
    auth_method: str
    scopes: tuple[str, ...] = ()


def describe_token_error(response: requests.Response) -> VendorAnswer:
    """A token endpoint's refusal: its ``error``/``status`` code only, never the body."""
    body = json_object(response) or {}
    code = str(body.get("error") or body.get("status") or "") or None
    return VendorAnswer(f"the token request was refused ({code or response.status_code})", code=code)


def token_table(vendor: str) -> VendorTable:
    """Token endpoint answers: 4xx are refusals (``crm_oauth_refused``), 429/5xx the usual transient kinds."""
    refused = (UpstreamAuthFailed, OAUTH_REFUSED)
    return VendorTable(f"{vendor} OAuth", CRM, describe=describe_token_error,
                       statuses={400: refused, 401: refused, 403: refused, 404: refused})


class OAuthClient:
    """Talks to one vendor's OAuth endpoints for one app (client id/secret, redirect URI)."""

    def __init__(self, endpoints: OAuthEndpoints, *, client_id: str, client_secret: str, redirect_uri: str,
                 timeout: float, pkce: bool = False):
        self.endpoints = endpoints
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uri = redirect_uri
        self.timeout = timeout
        self.pkce = pkce
        self.table = token_table(endpoints.vendor)
        self.http = policy_session(PUBLIC_ONLY, endpoints.vendor)

    @property
    def configured(self) -> bool:
        return bool(self.client_id and self.client_secret)

    def _session(self) -> OAuth2Session:
        session = OAuth2Session(self.client_id, self.client_secret, redirect_uri=self.redirect_uri,
                                scope=" ".join(self.endpoints.scopes) or None,
                                token_endpoint_auth_method=self.endpoints.auth_method,
                                code_challenge_method="S256" if self.pkce else None)
        guard_session(session, PUBLIC_ONLY, self.endpoints.vendor)
        session.register_compliance_hook("access_token_response", self._refuse_failures)
        session.register_compliance_hook("refresh_token_response", self._refuse_failures)
        return session

    def _refuse_failures(self, response: requests.Response) -> requests.Response:
        """Sort failed token answers before authlib parses them (it only looks for an ``error`` key)."""
        if response.status_code >= 400:
            raise self.table.error_for(response)
        return response

    def authorize_url(self, state: str, code_verifier: str | None = None) -> str:
        """Where to send the admin's browser to approve the install (with the PKCE challenge)."""
        extra = {"code_verifier": code_verifier} if (self.pkce and code_verifier) else {}
        url, _ = self._session().create_authorization_url(self.endpoints.authorize_url, state=state, **extra)
        return str(url)

    def exchange(self, code: str, code_verifier: str | None = None) -> dict[str, Any]:
        """Trade the one-time authorization code for tokens (the registered redirect URI is sent)."""
        extra = {"code_verifier": code_verifier} if (self.pkce and code_verifier) else {}
        return self._call(lambda s: s.fetch_token(self.endpoints.token_url, grant_type="authorization_code",
                                                  code=code, timeout=self.timeout, **extra),
                          "authorization code exchange")

    def refresh(self, refresh_token: str, *, token_url: str | None = None) -> dict[str, Any]:
        """A new access token (and possibly a rotated refresh token), at ``token_url`` when the
        installation's tokens are refreshed elsewhere than the app's token URL."""
        return self._call(lambda s: s.refresh_token(token_url or self.endpoints.token_url,
                                                    refresh_token=refresh_token, timeout=self.timeout),
                          "token refresh")

    def _call(self, action: Callable[[OAuth2Session], Any], what: str) -> dict[str, Any]:
        vendor = self.endpoints.vendor
        session = self._session()
        try:
            return dict(action(session))
        except UpstreamError:
            raise
        except OAuthError as exc:
            # invalid_grant / invalid_client / access_denied: retrying will not help
            raise UpstreamAuthFailed(f"{vendor} {what} was refused ({exc.error})", side=CRM, reason=OAUTH_REFUSED,
                                     vendor_code=str(exc.error)) from None
        except requests.RequestException as exc:
            raise transport_error(exc, vendor=f"{vendor} OAuth", url=self.endpoints.token_url, side=CRM) from None
        except ValueError:
            raise UpstreamUnavailable(f"{vendor} {what} returned an unreadable answer", side=CRM) from None
        finally:
            session.close()

    def send(self, method: str, url: str, data: dict[str, str] | None = None) -> requests.Response:
        """A plain call to another OAuth endpoint of the vendor (token metadata, revocation; ``data``: a
        form body)."""
        try:
            return self.http.request(method, url, data=data, timeout=self.timeout, allow_redirects=False)
        except requests.RequestException as exc:
            raise transport_error(exc, vendor=f"{self.endpoints.vendor} OAuth", url=url, side=CRM) from None
