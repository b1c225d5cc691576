"""Webhooks v2 deliveries: Basic-auth check and "deal became won" detection.

Contract (https://pipedrive.readme.io/docs/guide-for-webhooks-v2):
only HTTP Basic credentials authenticate a delivery (no signature), so each
tenant has its own random user/password, compared in constant time. Payload
``{"meta": {...}, "data": {...}, "previous": {...}}``; ``previous`` holds only
the fields that changed. A deal became won when ``meta.entity == "deal"``,
``data.status == "won"`` and ``previous.status`` is present and not ``"won"``.
Ids may be strings or integers. ``meta.timestamp`` is ISO 8601 in the v2
example but a "10 character timestamp" in the meta table: both are accepted.
Retries repeat ``meta.id``, which becomes the DealWon event id (dedup key).
"""
from __future__ import annotations

import base64
import binascii
import hmac
from datetime import UTC, datetime
from typing import Any

from app.crm.pipedrive.mapping import plain_id
from app.domain.events import DealLeftWon, DealWon
from app.errors import BadRequest


def basic_credentials(header: str) -> tuple[str, str]:
    """(user, password) from an ``Authorization: Basic`` header, or ("", "")."""
    scheme, _, value = (header or "").partition(" ")
    if scheme.lower() != "basic" or not value.strip():
        return "", ""
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return "", ""
    user, sep, password = decoded.partition(":")
    return (user, password) if sep else ("", "")


def credentials_match(header: str, expected_user: str | None, expected_password: str | None) -> bool:
    """Constant-time check of a delivery's Basic credentials against the tenant's."""
    if not expected_user or not expected_password:
        return False
    user, password = basic_credentials(header)
    user_ok = hmac.compare_digest(user.encode(), expected_user.encode())
    password_ok = hmac.compare_digest(password.encode(), expected_password.encode())
    return user_ok and password_ok


def parse_timestamp(value: Any, fallback: datetime) -> datetime:
    """ISO 8601 string, or epoch seconds/milliseconds (string or number); ``fallback`` when unreadable."""
    if value is None or value == "":
        return fallback
    text = str(value).strip()
    if text.replace(".", "", 1).isdigit():
        number = float(text)
        if number > 10_000_000_000:  # milliseconds
            number /= 1000.0
        try:
            return datetime.fromtimestamp(number, tz=UTC)
        except (OverflowError, OSError, ValueError):   # beyond the years a datetime can hold
            return fallback
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return fallback
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _rejected(message: str) -> BadRequest:
    return BadRequest(message, reason="bad_webhook_payload")


def left_won_event(payload: Any, *, tenant_id: str) -> DealLeftWon | None:
    """A change of a deal's ``status`` from won to something else (reopened: open, or lost), else None.
    Call it on a payload ``won_event`` has accepted (shape and company already checked)."""
    meta = payload["meta"]
    data, previous = payload.get("data"), payload.get("previous")
    if str(meta.get("entity") or "") != "deal" or not isinstance(data, dict) or not isinstance(previous, dict):
        return None
    if str(previous.get("status") or "") != "won" or str(data.get("status") or "won") == "won":
        return None
    deal_id = plain_id(data.get("id")) or plain_id(meta.get("entity_id"))
    if not deal_id:
        return None
    return DealLeftWon(tenant_id=tenant_id, crm_deal_id=deal_id, status=str(data.get("status")), crm="pipedrive")


def won_event(payload: Any, *, tenant_id: str, installation_id: str, now: datetime) -> DealWon | None:
    """The DealWon this delivery means, or None when it is not a change to won (BadRequest: bad shape,
    another company)."""
    if not isinstance(payload, dict) or not isinstance(payload.get("meta"), dict):
        raise _rejected("not a Pipedrive webhooks v2 payload")
    meta = payload["meta"]
    meta_company = plain_id(meta.get("company_id"))       # the Pipedrive company = the installation
    if meta_company is not None and meta_company != str(installation_id):
        raise _rejected("delivery is for another Pipedrive company")
    if str(meta.get("entity") or "") != "deal" or str(meta.get("action") or "") not in ("change", "updated"):
        return None
    data = payload.get("data")
    previous = payload.get("previous")
    if not isinstance(data, dict) or not isinstance(previous, dict):
        return None
    if str(data.get("status") or "") != "won":
        return None
    if "status" not in previous or str(previous.get("status") or "") == "won":
        return None  # status did not change in this edit, or won -> won again
    deal_id = plain_id(data.get("id")) or plain_id(meta.get("entity_id"))
    event_id = str(meta.get("id") or "").strip()
    if not deal_id or not event_id:
        raise _rejected("won delivery without deal id or event id")
    return DealWon(tenant_id=tenant_id, crm_deal_id=deal_id, event_id=event_id,
                   occurred_at=parse_timestamp(meta.get("timestamp"), now), crm="pipedrive")
