"""Pipedrive's OAuth app: endpoints and token rules (the flow itself is app.crm.oauth).

Contract (https://developers.pipedrive.com/docs/api/v1/Oauth): authorize at
``https://oauth.pipedrive.com/oauth/authorize?client_id&redirect_uri&state``; token at
``https://oauth.pipedrive.com/oauth/token``, form body, HTTP Basic ``client_id:client_secret``;
the response carries ``api_domain`` (the company's API host). Refresh uses the same endpoint with
``grant_type=refresh_token``.

PKCE: Pipedrive's authorize reference lists only client_id, redirect_uri and state
(https://pipedrive.readme.io/docs/marketplace-oauth-authorization, copy of 2026-06-09); PKCE is
not documented, so no code_challenge is sent. The confidential client secret plus a
browser-bound, one-time state protect the code instead.

Not implemented: revocation for an uninstall started on our side (``POST /oauth/revoke``,
RFC 7009, https://pipedrive.readme.io/docs/app-uninstallation); uninstalls start in Pipedrive.
"""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from app.crm.oauth.client import OAuthEndpoints
from app.crm.oauth.tokens import TokenRules
from app.errors import CRM, UpstreamAuthFailed

OAUTH_BASE = "https://oauth.pipedrive.com"
ENDPOINTS = OAuthEndpoints(vendor="Pipedrive", authorize_url=OAUTH_BASE + "/oauth/authorize",
                           token_url=OAUTH_BASE + "/oauth/token", auth_method="client_secret_basic")
PKCE_SUPPORTED = False


def normalise_api_domain(value: str) -> str:
    """``https://<company>.pipedrive.com`` without a trailing slash; anything else is refused."""
    parts = urlsplit(value.strip())
    host = (parts.hostname or "").lower()
    if parts.scheme != "https" or not (host == "pipedrive.com" or host.endswith(".pipedrive.com")):
        raise UpstreamAuthFailed("Pipedrive returned an unexpected api_domain", side=CRM, reason="crm_bad_api_domain")
    return f"https://{host}"


TOKEN_RULES = TokenRules(
    vendor="Pipedrive",
    refresh_margin=timedelta(seconds=120),
    # when the token response omits expires_in (observed 3599 in 3rd-party examples; not documented)
    default_expires_in=3599,
    # an access token Pipedrive refuses is refreshed and the call repeated once (the API never processed it)
    refresh_on_401=True,
    api_domain=normalise_api_domain,
)
