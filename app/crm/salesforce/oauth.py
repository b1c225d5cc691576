"""Salesforce's OAuth app (a connected app / external client app): login hosts, token rules, identity.

Web server flow with PKCE
(https://help.salesforce.com/s/articleView?id=xcloud.remoteaccess_oauth_web_server_flow.htm):
authorize at ``https://login.salesforce.com/services/oauth2/authorize`` (sandbox orgs:
``test.salesforce.com``; https://help.salesforce.com/s/articleView?id=xcloud.remoteaccess_oauth_endpoints.htm)
with ``code_challenge`` (base64url SHA-256 of the verifier); the token answer carries ``instance_url``
(the org's API host), ``id`` (the identity URL ``https://login.salesforce.com/id/<orgId>/<userId>``),
``issued_at`` and ``signature`` (base64 HMAC-SHA256 of ``id + issued_at`` keyed with the consumer
secret, so the identity URL can be checked), and a ``refresh_token`` only when the app has the
``refresh_token`` scope. There is no ``expires_in``: an access token lives as long as the org's
session timeout (2 hours by default) and an expired one answers 401 ``INVALID_SESSION_ID``
("Session expired or invalid",
https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/intro_understanding_refresh_token_oauth.htm),
so a 401 means "refresh and repeat". Tokens are refreshed and revoked at the org's My Domain
(``<instance_url>/services/oauth2/token`` and ``/revoke``, both documented hosts of the OAuth
endpoints; https://developer.salesforce.com/docs/platform/mobile-sdk/guide/oauth-revoking-tokens.html),
so production and sandbox orgs each use their own host.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from datetime import timedelta
from urllib.parse import urlsplit

from app.crm.oauth.client import OAuthClient, OAuthEndpoints
from app.crm.oauth.tokens import TokenRules
from app.errors import CRM, UpstreamAuthFailed
from app.tenants.model import CRMCredentials

PRODUCTION_LOGIN = "https://login.salesforce.com"
SANDBOX_LOGIN = "https://test.salesforce.com"
#: ``api`` (REST), ``refresh_token`` (offline access: the worker acts without a user present)
SCOPES = ("api", "refresh_token")
#: hosts an org's instance URL may have: ``<MyDomain>.my.salesforce.com``,
#: ``<MyDomain>--<sandbox>.sandbox.my.salesforce.com``, older ``naN.salesforce.com``
INSTANCE_SUFFIXES = (".salesforce.com", ".force.com")


def endpoints(login_url: str) -> OAuthEndpoints:
    """The connected app's endpoints at one login host (production or sandbox)."""
    return OAuthEndpoints(vendor="Salesforce", authorize_url=login_url + "/services/oauth2/authorize",
                          token_url=login_url + "/services/oauth2/token", auth_method="client_secret_post",
                          scopes=SCOPES)


def normalise_instance_url(value: str) -> str:
    """``https://<host>`` of a Salesforce org; anything else is refused (the token answer names it)."""
    parts = urlsplit(value.strip())
    host = (parts.hostname or "").lower()
    if parts.scheme != "https" or not host.endswith(INSTANCE_SUFFIXES) or parts.port not in (None, 443):
        raise UpstreamAuthFailed("Salesforce returned an unexpected instance_url", side=CRM,
                                 reason="crm_bad_api_domain")
    return f"https://{host}"


def _refresh_url(creds: CRMCredentials) -> str | None:
    return creds.api_domain + "/services/oauth2/token" if creds.api_domain else None


TOKEN_RULES = TokenRules(vendor="Salesforce", refresh_margin=timedelta(minutes=5), default_expires_in=7200,
                         refresh_on_401=True, use_unexpired_token_on_outage=True, api_domain=normalise_instance_url,
                         api_domain_key="instance_url", refresh_url=_refresh_url)

_ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


def long_id(value: str) -> str:
    """The 18-character, case-safe form of a Salesforce id ("" when ``value`` is not an id).

    15-character ids are case-sensitive; the 3-character suffix encodes which of the 15 are upper
    case, five at a time (Salesforce's documented id conversion, e.g. the ``CASESAFEID`` formula:
    https://help.salesforce.com/s/articleView?id=sf.customize_functions_casesafeid.htm).
    """
    value = value.strip()
    if not value.isascii() or not value.isalnum() or len(value) not in (15, 18):
        return ""
    if len(value) == 18:
        return value[:15] + value[15:].upper()
    suffix = ""
    for chunk in range(3):
        bits = sum(1 << i for i, ch in enumerate(value[chunk * 5: chunk * 5 + 5]) if "A" <= ch <= "Z")
        suffix += _ID_CHARS[bits]
    return value + suffix


def identity(identity_url: str) -> tuple[str, str]:
    """(org id, user id), 18 characters each, from the identity URL ``https://<host>/id/<org>/<user>``;
    ("", "") when it is not one."""
    parts = [p for p in urlsplit(identity_url).path.split("/") if p]
    if len(parts) != 3 or parts[0] != "id":
        return "", ""
    org, user = long_id(parts[1]), long_id(parts[2])
    return (org, user) if org.startswith("00D") and user.startswith("005") else ("", "")


def b64decode_lenient(value: str) -> bytes | None:
    """Standard or URL-safe base64, padded or not; None when it is neither."""
    text = value.strip().replace("-", "+").replace("_", "/")
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None


def identity_signature_ok(identity_url: str, issued_at: str, signature: str, secret: str) -> bool:
    """The token answer's ``signature`` over ``id + issued_at`` (constant-time compare)."""
    given = b64decode_lenient(signature)
    expected = hmac.new(secret.encode(), (identity_url + issued_at).encode(), hashlib.sha256).digest()
    return given is not None and hmac.compare_digest(given, expected)


def revoke(client: OAuthClient, instance_url: str, token: str) -> None:
    """Revoke a refresh token (and its access tokens) at the org's My Domain; 200 means done, 400
    ``invalid_token`` means it already was."""
    response = client.send("POST", instance_url + "/services/oauth2/revoke", data={"token": token})
    if response.status_code >= 300 and response.status_code != 400:
        raise client.table.error_for(response)

