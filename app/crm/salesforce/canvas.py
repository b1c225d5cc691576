"""Verifies the Canvas signed request Salesforce POSTs to the Canvas app URL (``signed_request``).

Format (https://developer.salesforce.com/docs/platform/canvas-framework/guide/canvas-app-signed-req-authentication.html,
https://developer.salesforce.com/docs/atlas.en-us.platform_connect.meta/platform_connect/canvas_app_unsigning_code_example.htm):
``<base64 HMAC-SHA256 of the envelope, keyed with the consumer secret>.<base64 JSON envelope>``; the
HMAC covers the envelope *as received* (still base64). Split on the first dot; the documented
example uses the standard alphabet with padding (``9Rpl6r...U/5eSJPI=``), but both parts are decoded
leniently (URL-safe alphabet, missing padding) and the signatures compared as bytes, in constant time.

The envelope is the CanvasRequest
(https://developer.salesforce.com/docs/atlas.en-us.platform_connect.meta/platform_connect/canvas_request_object.htm):
``algorithm`` (must be ``HMACSHA256``), ``issuedAt`` (when the OAuth token inside was issued; may be
null), ``userId``, ``client`` and ``context``: ``organization.organizationId``, ``user`` (userId,
email, roleId, profileId, userType) and ``environment.record`` (``attributes.type``, ``Id`` and the
fields the hosting component asked for, e.g. ``AccountId`` on an Opportunity). Everything the panel
needs comes from the verified envelope only.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any

from app.clock import Clock
from app.crm.inbound import VerifiedCaller
from app.crm.salesforce.oauth import b64decode_lenient, long_id
from app.errors import Unauthorized

ALGORITHM = "HMACSHA256"
#: the widget session takes credentials up to 16 KiB (a signed request with many entityFields is several KiB)
MAX_LENGTH = 16 * 1024
#: the OAuth token inside "typically expires after two hours"
#: (https://developer.salesforce.com/docs/atlas.en-us.platform_connect.meta/platform_connect/canvas_app_refresh_signed_request.htm);
#: a signed request older than that is not exchanged for a widget session any more
MAX_AGE_SECONDS = 2 * 3600
LEEWAY_SECONDS = 300
#: record types the panel is shown on: an Account is the CRM account, an Opportunity shows its Account
PANEL_OBJECTS = ("Account", "Opportunity")


def _invalid(message: str) -> Unauthorized:
    return Unauthorized(message, reason="invalid_signature")


def sign(envelope: Mapping[str, Any], secret: str) -> str:
    """A signed request for ``envelope``, exactly as Salesforce builds one (the vendor fake signs with it)."""
    body = base64.b64encode(json.dumps(envelope, separators=(",", ":")).encode()).decode()
    signature = base64.b64encode(hmac.new(secret.encode(), body.encode(), hashlib.sha256).digest()).decode()
    return f"{signature}.{body}"


def decode(signed_request: str, secrets: list[str]) -> dict[str, Any]:
    """The verified CanvasRequest JSON; Unauthorized when it is not signed with one of ``secrets``."""
    if not signed_request or len(signed_request) > MAX_LENGTH or "." not in signed_request:
        raise _invalid("missing or malformed Canvas signed request")
    signature_part, envelope_part = signed_request.split(".", 1)
    given = b64decode_lenient(signature_part)
    if given is None or len(given) != hashlib.sha256().digest_size:
        raise _invalid("malformed Canvas signature")
    matched = False
    for secret in (s for s in secrets if s):
        expected = hmac.new(secret.encode(), envelope_part.encode(), hashlib.sha256).digest()
        matched = hmac.compare_digest(given, expected) or matched
    if not matched:
        raise _invalid("Canvas signature does not match")
    raw = b64decode_lenient(envelope_part)
    try:
        envelope = json.loads(raw or b"")
    except ValueError:
        raise _invalid("Canvas envelope is not JSON") from None
    if not isinstance(envelope, dict):
        raise _invalid("Canvas envelope is not an object")
    if envelope.get("algorithm") != ALGORITHM:
        raise _invalid("Canvas request must be signed with HMACSHA256")
    return envelope


def check_issued_at(envelope: Mapping[str, Any], clock: Clock) -> None:
    """``issuedAt`` (seconds or milliseconds) may not lie in the future nor be older than the token lifetime."""
    issued = envelope.get("issuedAt")
    if issued is None:
        return
    if isinstance(issued, bool) or not isinstance(issued, int | float):
        raise _invalid("Canvas issuedAt is malformed")
    seconds = issued / 1000 if issued > 10**11 else float(issued)
    now = clock.timestamp()
    if seconds > now + LEEWAY_SECONDS:
        raise _invalid("Canvas request issued in the future")
    if now - seconds > MAX_AGE_SECONDS:
        raise _invalid("Canvas request expired; reload the Salesforce page")


def _object(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def caller(envelope: Mapping[str, Any], crm: str) -> VerifiedCaller:
    """The org (installation), user and record a verified envelope names.

    On an Opportunity the widget session is bound to the opportunity's Account (``AccountId``, which
    the hosting component adds to the record fields), so the panel shows the account's ERP data and
    the deal block may read that opportunity; ``user_context`` carries ``opportunity_id`` then.
    """
    context = _object(envelope.get("context"))
    org = long_id(str(_object(context.get("organization")).get("organizationId") or ""))
    user = _object(context.get("user"))
    user_id = long_id(str(user.get("userId") or envelope.get("userId") or ""))
    top_user = long_id(str(envelope.get("userId") or ""))
    if not org.startswith("00D") or not user_id.startswith("005") or (top_user and top_user != user_id):
        raise _invalid("Canvas request lacks the organization or user")
    record = _object(_object(context.get("environment")).get("record"))
    record_type = str(_object(record.get("attributes")).get("type") or "")
    record_id = long_id(str(record.get("Id") or ""))
    object_type, object_id, extra = "", "", {}
    if record_type == "Account" and record_id:
        object_type, object_id = "account", record_id
    elif record_type == "Opportunity" and record_id:
        object_type, object_id = "account", long_id(str(record.get("AccountId") or ""))
        extra["opportunity_id"] = record_id
    context_fields = {"email": user.get("email"), "role_id": user.get("roleId"), "profile_id": user.get("profileId"),
                      "user_type": user.get("userType"), **extra}
    return VerifiedCaller(crm=crm, installation_id=org, user_id=user_id, object_type=object_type,
                          object_id=object_id,
                          user_context={k: str(v) for k, v in context_fields.items() if isinstance(v, str) and v})
