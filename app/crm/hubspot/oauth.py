"""HubSpot's OAuth app: endpoints, scopes, token rules, token metadata and refresh-token revocation.

Docs: https://developers.hubspot.com/docs/api-reference/auth-oauth-v3/guide (v3 token endpoint,
parameters in the form body, accepts ``code_verifier``);
https://developers.hubspot.com/changelog/additional-details-returned-when-generating-oauth-access-tokens
(``hub_id`` and ``scopes`` in every token response since Aug 18, 2025);
https://developers.hubspot.com/docs/api-reference/legacy/authentication/oauth-tokens/v1/get-oauth-token-metadata
(``GET /oauth/v1/access-tokens/{token}`` for older responses without ``hub_id``).
Access tokens live 30 minutes (``expires_in: 1800``) and HubSpot says a 401 is *not* a reliable
signal to refresh (https://developers.hubspot.com/docs/guides/apps/api-usage/usage-details), so
tokens are refreshed early, from the stored expiry.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from app.crm.oauth.client import OAuthClient, OAuthEndpoints
from app.crm.oauth.tokens import TokenRules

TOKEN_METADATA_URL = "https://api.hubapi.com/oauth/v1/access-tokens/{token}"  # noqa: S105 - a URL, not a secret
REFRESH_TOKEN_URL = "https://api.hubapi.com/oauth/v1/refresh-tokens/{token}"  # noqa: S105 - a URL, not a secret

#: companies (card context, associations, ERP customer id), deals (read + PATCH order number),
#: line items (order lines), deal property creation on install (crm.schemas.deals.write).
#: ``oauth`` is HubSpot's base scope for any OAuth app. Role-based figures read the viewer's role and teams
#: (settings.users.read, settings.users.teams.read).
SCOPES = (
    "oauth",
    "crm.objects.companies.read", "crm.objects.companies.write",
    "crm.objects.deals.read", "crm.objects.deals.write",
    "crm.objects.line_items.read", "crm.objects.line_items.write",
    "crm.schemas.deals.write",
    "settings.users.read", "settings.users.teams.read",
)
ENDPOINTS = OAuthEndpoints(vendor="HubSpot", authorize_url="https://app.hubspot.com/oauth/authorize",
                           token_url="https://api.hubapi.com/oauth/v3/token",  # noqa: S106 - a URL
                           auth_method="client_secret_post",
                           scopes=SCOPES)
TOKEN_RULES = TokenRules(vendor="HubSpot", refresh_margin=timedelta(minutes=5), default_expires_in=1800,
                         refresh_on_401=False, use_unexpired_token_on_outage=True)


def token_metadata(client: OAuthClient, access_token: str) -> dict[str, Any]:
    """``{hub_id, user_id, user, hub_domain, scopes, app_id, ...}`` for an access token."""
    response = client.send("GET", TOKEN_METADATA_URL.format(token=access_token))
    if response.status_code >= 300:
        raise client.table.error_for(response)
    body = response.json()
    return body if isinstance(body, dict) else {}


def delete_refresh_token(client: OAuthClient, refresh_token: str) -> None:
    """Revoke our refresh token on uninstall (HubSpot: deletes the token, does not uninstall the app)."""
    response = client.send("DELETE", REFRESH_TOKEN_URL.format(token=refresh_token))
    if response.status_code >= 300 and response.status_code != 404:
        raise client.table.error_for(response)
