"""NetSuite authentication: OAuth 2.0 client credentials (M2M) and Token-Based Authentication.

* Account id -> REST host: ``1234567_SB1`` -> ``1234567-sb1.suitetalk.api.netsuite.com``
  (lower case, underscore to hyphen); the OAuth 1.0 realm keeps ``1234567_SB1``.
* M2M (https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_162755359851.html):
  POST ``/services/rest/auth/oauth2/v1/token`` with ``grant_type=client_credentials``,
  ``client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer`` and a JWT
  signed with the private key of the certificate mapped in "OAuth 2.0 Client Credentials (M2M)
  Setup". JWT header ``kid`` = certificate id, ``alg`` PS256/384/512 or ES256/384/512 (RS256 is
  not accepted); payload ``iss`` = client id, ``scope``, ``aud`` = token URL, ``iat``/``exp`` with
  exp - iat under 60 minutes
  (https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_162790605110.html).
  The access token is valid for 60 minutes; it is cached until shortly before ``expires_in``
  runs out, measured with the injected clock.
* TBA (https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_1534941295.html):
  OAuth 1.0a header with ``oauth_signature_method="HMAC-SHA256"``. Authlib's OAuth 1 client
  signs HMAC-SHA1 only and adds an ``oauth_body_hash`` parameter to JSON requests that NetSuite
  does not document, so the header is built here from authlib's RFC 5849 base-string helper.
  Oracle: no new TBA integrations can be created from 2027.1; existing ones keep working.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import threading
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import jwt
import requests
from authlib.oauth1.rfc5849.signature import construct_base_string, escape
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from app.clock import Clock
from app.errors import ERP, UpstreamAuthFailed, UpstreamMisconfigured
from app.net.vendor import VendorAnswer, VendorTable, json_object, plain_answer
from app.net.vendor_http import VendorHTTP

TOKEN_PATH = "auth/oauth2/v1/token"  # noqa: S105 - a URL path, not a secret
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
RSA_ALGORITHMS = ("PS256", "PS384", "PS512")
EC_ALGORITHMS = ("ES256", "ES384", "ES512")
#: seconds before expiry at which a cached token is replaced (clock skew, request time)
EXPIRY_MARGIN = 60
#: lifetime of our client assertion; NetSuite requires exp - iat below one hour
ASSERTION_LIFETIME = 300
_ACCOUNT = re.compile(r"^[A-Z0-9]+(_[A-Z0-9]+)?$")


def normalise_account(raw: str) -> str:
    """Account id as NetSuite's realm writes it (``1234567_SB1``); accepts ``1234567-sb1`` too."""
    account = str(raw or "").strip().upper().replace("-", "_")
    if not _ACCOUNT.match(account):
        raise UpstreamMisconfigured("The NetSuite account id looks wrong: use the id from Setup > Company > "
                            "Company Information, e.g. 1234567 or 1234567_SB1", side=ERP)
    return account


def rest_base_url(account: str) -> str:
    """``https://<account>.suitetalk.api.netsuite.com/services/rest`` for a normalised account id."""
    return f"https://{account.lower().replace('_', '-')}.suitetalk.api.netsuite.com/services/rest"


def load_private_key(pem: str, algorithm: str) -> tuple[Any, str]:
    """(key, algorithm) from a PEM private key; the algorithm defaults to PS256 (RSA) / ES256 (EC)."""
    try:
        key = load_pem_private_key(pem.strip().encode(), password=None)
    except (ValueError, TypeError):
        raise UpstreamMisconfigured("The NetSuite private key is not an unencrypted PEM private key", side=ERP) from None
    allowed = RSA_ALGORITHMS if isinstance(key, rsa.RSAPrivateKey) else (
        EC_ALGORITHMS if isinstance(key, ec.EllipticCurvePrivateKey) else ())
    if not allowed:
        raise UpstreamMisconfigured("The NetSuite private key must be an RSA or EC key", side=ERP)
    chosen = (algorithm or allowed[0]).upper()
    if chosen not in allowed:
        raise UpstreamMisconfigured(f"Algorithm {chosen} does not fit this key; use one of {', '.join(allowed)}", side=ERP)
    return key, chosen


def describe_token_error(response: requests.Response) -> VendorAnswer:
    """OAuth error bodies (``{"error": "invalid_client", ...}``) of the token endpoint are auth failures."""
    body = json_object(response)
    if response.status_code in (400, 401, 403) and body is not None:
        code = str(body.get("error") or "invalid_request")
        detail = body.get("error_description") or code
        return VendorAnswer(f"token request refused ({detail})", code=code, kind=UpstreamAuthFailed,
                           reason="erp_auth_failed")
    return plain_answer(response)


#: NetSuite token endpoint answers -> the shared error tree
NETSUITE_TOKENS = VendorTable("NetSuite", ERP, describe=describe_token_error)


class M2MTokens:
    """Client-credentials tokens for one integration, cached until shortly before expiry."""

    def __init__(self, http: VendorHTTP, *, client_id: str, certificate_id: str, private_key: str,
                 algorithm: str, clock: Clock, scope: str = "rest_webservices"):
        self.http, self.client_id, self.certificate_id, self.clock, self.scope = (
            http, client_id, certificate_id, clock, scope)
        self.key, self.algorithm = load_private_key(private_key, algorithm)
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = threading.Lock()

    @property
    def token_url(self) -> str:
        return self.http.url_for(TOKEN_PATH)

    def assertion(self) -> str:
        """The signed JWT client assertion for one token request."""
        now = int(self.clock.timestamp())
        claims = {"iss": self.client_id, "scope": self.scope, "aud": self.token_url, "iat": now,
                  "exp": now + ASSERTION_LIFETIME}
        return jwt.encode(claims, self.key, algorithm=self.algorithm,
                          headers={"kid": self.certificate_id, "typ": "JWT"})

    def token(self) -> tuple[str, bool]:
        with self._lock:
            if self._token is not None and self.clock.timestamp() < self._expires_at:
                return self._token, False
            response = self.http.request("POST", TOKEN_PATH, safe=True, data={
                "grant_type": "client_credentials", "client_assertion_type": ASSERTION_TYPE,
                "client_assertion": self.assertion()})
            body = self.http.json(response)
            token = body.get("access_token") if isinstance(body, dict) else None
            if not token:
                raise UpstreamAuthFailed("NetSuite answered the token request without an access token", side=ERP,
                                   reason="erp_auth_failed")
            # Oracle: "valid for 60 minutes"; its example sends expires_in as text
            lifetime = int(str(body.get("expires_in") or 3600))
            self._token, self._expires_at = token, self.clock.timestamp() + lifetime - EXPIRY_MARGIN
            return token, True

    def invalidate(self) -> None:
        with self._lock:
            self._token = None


class TBASigner(requests.auth.AuthBase):
    """OAuth 1.0a HMAC-SHA256 ``Authorization`` header for every request (a fresh nonce each time)."""

    def __init__(self, *, account: str, consumer_key: str, consumer_secret: str, token_id: str,
                 token_secret: str, clock: Clock):
        self.realm, self.consumer_key, self.consumer_secret = account, consumer_key, consumer_secret
        self.token_id, self.token_secret, self.clock = token_id, token_secret, clock

    def header(self, method: str, url: str, *, nonce: str, timestamp: str) -> str:
        oauth = [("oauth_consumer_key", self.consumer_key), ("oauth_token", self.token_id),
                 ("oauth_nonce", nonce), ("oauth_timestamp", timestamp),
                 ("oauth_signature_method", "HMAC-SHA256"), ("oauth_version", "1.0")]
        query = parse_qsl(urlsplit(url).query, keep_blank_values=True)
        base = construct_base_string(method.upper(), url, oauth + query)
        key = f"{escape(self.consumer_secret)}&{escape(self.token_secret)}"
        signature = base64.b64encode(hmac.new(key.encode(), base.encode(), hashlib.sha256).digest()).decode()
        parts = [f'realm="{self.realm}"'] + [f'{k}="{escape(v)}"' for k, v in oauth + [("oauth_signature", signature)]]
        return "OAuth " + ", ".join(parts)

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = self.header(str(request.method), str(request.url),
                                                       nonce=secrets.token_hex(16),
                                                       timestamp=str(int(self.clock.timestamp())))
        return request
