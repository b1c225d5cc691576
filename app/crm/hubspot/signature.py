"""HubSpot request signatures (v1, v2, v3).

Doc: https://developers.hubspot.com/docs/apps/legacy-apps/authentication/validating-requests
(the vendor's known-answer vectors are in the tests).

Decision on versions: every endpoint requires **v3** (HMAC-SHA256 over method + URI + body +
timestamp, with a timestamp we bound to +/-5 minutes, so captured requests cannot be replayed
later). HubSpot sends v3 headers on all newer outgoing requests to OAuth apps (hubspot.fetch from
app cards, webhook subscriptions) next to the old ``X-HubSpot-Signature`` kept for compatibility.
v1 (webhook subscriptions) has no timestamp and v2 (workflow actions, legacy cards) neither,
so they are replayable forever; ``verify_v1`` exists for the one place an operator
may opt in (HUBSPOT_ACCEPT_V1_WEBHOOKS=1, webhook endpoint only, for apps that still get v1 only).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re

from app.crm.inbound import InboundRequest
from app.errors import Unauthorized

MAX_AGE_MS = 5 * 60 * 1000
#: clocks drift; a timestamp further in the future than this is as suspicious as a stale one
MAX_FUTURE_MS = 5 * 60 * 1000

#: the only %XX sequences HubSpot's v3 recipe decodes before signing (case-insensitive hex)
_DECODE = {"3A": ":", "2F": "/", "3F": "?", "40": "@", "21": "!", "24": "$", "27": "'", "28": "(",
           "29": ")", "2A": "*", "2C": ",", "3B": ";"}
_PERCENT = re.compile(r"%([0-9A-Fa-f]{2})")

HEADER_V3 = "X-HubSpot-Signature-v3"
HEADER_TIMESTAMP = "X-HubSpot-Request-Timestamp"
HEADER_LEGACY = "X-HubSpot-Signature"
HEADER_VERSION = "X-HubSpot-Signature-Version"


def _invalid(message: str, reason: str) -> Unauthorized:
    """The request is not provably from HubSpot; ``reason`` is a stable code."""
    return Unauthorized(message, reason=reason)


def decode_uri_for_v3(uri: str) -> str:
    """Decode exactly the %XX sequences HubSpot lists; everything else stays as received."""
    return _PERCENT.sub(lambda m: _DECODE.get(m.group(1).upper(), m.group(0)), uri)


def sign_v3(secret: str, method: str, uri: str, body: bytes, timestamp: str) -> str:
    """Base64(HMAC-SHA256(secret, METHOD + decoded URI + body + timestamp))."""
    message = method.upper().encode() + decode_uri_for_v3(uri).encode() + body + timestamp.encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def sign_v1(secret: str, body: bytes) -> str:
    """Hex SHA-256 of client secret + body (a plain hash, not an HMAC: HubSpot's v1 recipe)."""
    return hashlib.sha256(secret.encode() + body).hexdigest()


def sign_v2(secret: str, method: str, uri: str, body: bytes) -> str:
    """Hex SHA-256 of client secret + METHOD + URI + body (URI exactly as HubSpot called it).

    v2 is what workflow "Send a webhook" actions and classic CRM cards send; we use neither
    (app card + webhook subscriptions), so no endpoint accepts v2 - this stays for the vendor
    test vector and for diagnosing a misconfigured workflow webhook.
    """
    return hashlib.sha256(secret.encode() + method.upper().encode() + uri.encode() + body).hexdigest()


def verify_v3(request: InboundRequest, secrets: list[str], now_ms: int) -> None:
    """Raise Unauthorized unless a v3 signature by one of ``secrets`` matches and is recent.

    Several secrets allow rotating the app secret without downtime. The timestamp header is
    signed verbatim (HubSpot SDK bug #263: re-formatting it broke every signature).
    """
    signature = request.header(HEADER_V3)
    timestamp = request.header(HEADER_TIMESTAMP)
    if not signature or not timestamp:
        raise _invalid("The request carries no HubSpot v3 signature", "signature_missing")
    if not timestamp.isdigit():
        raise _invalid("The HubSpot request timestamp is not epoch milliseconds", "bad_timestamp")
    age = now_ms - int(timestamp)
    if age > MAX_AGE_MS:
        raise _invalid("The HubSpot request is older than 5 minutes", "signature_expired")
    if -age > MAX_FUTURE_MS:
        raise _invalid("The HubSpot request timestamp is in the future", "timestamp_in_future")
    for secret in secrets:
        expected = sign_v3(secret, request.method, request.url, request.body, timestamp)
        if hmac.compare_digest(expected.encode(), signature.encode()):
            return
    raise _invalid("The HubSpot signature does not match", "signature_mismatch")


def verify_v1(request: InboundRequest, secrets: list[str]) -> None:
    """Legacy webhook check (no timestamp, replayable): only used when the operator opts in."""
    signature = request.header(HEADER_LEGACY).lower()
    if request.header(HEADER_VERSION).lower() != "v1" or not signature:
        raise _invalid("The request carries no HubSpot v1 signature", "signature_missing")
    for secret in secrets:
        if hmac.compare_digest(sign_v1(secret, request.body).encode(), signature.encode()):
            return
    raise _invalid("The HubSpot signature does not match", "signature_mismatch")

