"""How the demo CRM signs what it sends: base64url(JSON) + "." + base64url(HMAC-SHA256).

The timestamp inside the signed payload bounds replay to +/- 5 minutes, the same
window HubSpot's v3 signatures use.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from app.clock import Clock
from app.errors import Unauthorized
from app.storage.crypto import b64url, b64url_decode

TOLERANCE_SECONDS = 300


def _invalid(what: str) -> Unauthorized:
    """The demo CRM payload is missing, malformed, tampered with or outside the time window."""
    return Unauthorized(f"demo CRM signature rejected: {what}", reason="invalid_signature")


def sign(payload: dict[str, Any], key: bytes, clock: Clock) -> str:
    body = dict(payload, ts=int(clock.timestamp()))
    encoded = b64url(json.dumps(body, separators=(",", ":"), sort_keys=True).encode())
    mac = hmac.new(key, encoded.encode(), hashlib.sha256).digest()
    return f"{encoded}.{b64url(mac)}"


def verify(token: str, keys: list[bytes], clock: Clock) -> dict[str, Any]:
    """Return the payload when the signature matches any key and the timestamp is within tolerance."""
    if not token or token.count(".") != 1:
        raise _invalid("malformed signed payload")
    encoded, signature = token.split(".")
    try:
        given = b64url_decode(signature)
    except ValueError:
        raise _invalid("malformed signature") from None
    if not any(hmac.compare_digest(hmac.new(k, encoded.encode(), hashlib.sha256).digest(), given) for k in keys):
        raise _invalid("signature mismatch")
    try:
        payload = json.loads(b64url_decode(encoded))
        ts = int(payload["ts"])
    except (ValueError, KeyError, TypeError):
        raise _invalid("malformed payload") from None
    if abs(clock.timestamp() - ts) > TOLERANCE_SECONDS:
        raise _invalid("timestamp outside the allowed window")
    return payload
