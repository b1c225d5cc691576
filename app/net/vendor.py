"""From a vendor's HTTP answer to the shared error tree: one table per vendor, one rule for all.

Every ERP and CRM client turns failed answers into :class:`app.errors.UpstreamError` kinds the
same way:

* the status decides the kind (:func:`default_kind`): 429 -> rate limited (with Retry-After),
  5xx / 408 -> unavailable, 401 -> auth failed, 403 -> auth failed (``<side>_permission_denied``),
  404 / 410 -> not found, any other 4xx -> rejected;
* a vendor's :class:`VendorTable` may override a status (``statuses``) and reads its own error
  bodies (``describe``): a vendor code can force a kind and a more precise reason (ERPNext
  ``exc_type``, Odoo's exception name), and the vendor's code is kept as ``vendor_code``;
* messages never carry secrets or bodies: only the vendor's own short sentence, redacted and cut.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import requests

from app.errors import (
    MissingVendorField,
    Side,
    UpstreamAuthFailed,
    UpstreamError,
    UpstreamNotFound,
    UpstreamRateLimited,
    UpstreamRejected,
    UpstreamUnavailable,
)
from app.net.client import retry_after_seconds

MAX_MESSAGE = 300
#: (kind, reason or None for the kind's default) for one status
StatusRule = tuple[type[UpstreamError], str | None]


@dataclass(frozen=True)
class VendorAnswer:
    """What a vendor's error body says, already free of secrets and tracebacks."""

    message: str
    code: str | None = None
    #: force a kind (e.g. Odoo's AccessDenied on HTTP 500 -> auth failed); None = from the status
    kind: type[UpstreamError] | None = None
    reason: str | None = None
    #: (record type, field) when the vendor said a field the request named does not exist
    missing_field: tuple[str, str] | None = None
    #: seconds the vendor asked us to wait, read from a vendor header (Retry-After is read for all)
    retry_after: float | None = None


def plain_answer(response: requests.Response) -> VendorAnswer:
    """Error description from the status line only (bodies that are not the vendor's JSON)."""
    return VendorAnswer(f"HTTP {response.status_code} {response.reason or ''}".strip())


def json_object(response: requests.Response) -> dict[str, Any] | None:
    """The decoded body when it is a JSON object, else None (HTML error pages, plain text)."""
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def redact(text: str, secrets: Iterable[str]) -> str:
    """Replace every secret value in ``text`` and cut it to a log-friendly length."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    text = " ".join(text.split())
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"


def default_kind(status: int, side: Side) -> StatusRule:
    """The kind (and reason) every vendor's status means unless its table says otherwise."""
    if status == 429:
        return UpstreamRateLimited, None
    if status >= 500 or status == 408:
        return UpstreamUnavailable, None
    if status == 401:
        return UpstreamAuthFailed, None
    if status == 403:
        return UpstreamAuthFailed, f"{side}_permission_denied"
    if status in (404, 410):
        return UpstreamNotFound, None
    return UpstreamRejected, None


@dataclass(frozen=True)
class VendorTable:
    """One vendor's answers -> the shared error tree."""

    vendor: str
    side: Side
    describe: Callable[[requests.Response], VendorAnswer] = plain_answer
    #: statuses this vendor means differently from :func:`default_kind`
    statuses: Mapping[int, StatusRule] = field(default_factory=dict)
    #: seconds to wait after a 429 that names no wait (a vendor's documented window); None = unknown
    rate_limit_wait: float | None = None

    def error(self, kind: type[UpstreamError], message: str, *, status: int | None = None,
              reason: str | None = None, code: str | None = None, retry_after: float | None = None) -> UpstreamError:
        """An error of ``kind`` on this vendor's side (``retry_after`` only on retriable kinds)."""
        if not kind.retriable:
            retry_after = None
        return kind(message, side=self.side, reason=reason, status=status, vendor_code=code, retry_after=retry_after)

    def error_for(self, response: requests.Response, *, secrets: Iterable[str] = (), what: str = "") -> UpstreamError:
        """The error a failed answer means, with the vendor's own sentence (redacted) and code."""
        try:
            answer = self.describe(response)
        except ValueError:
            answer = plain_answer(response)
        status = response.status_code
        if answer.missing_field is not None:
            return MissingVendorField(self.vendor, *answer.missing_field, status=status, side=self.side)
        kind, reason = self.statuses.get(status) or default_kind(status, self.side)
        if answer.kind is not None:
            kind = answer.kind
        wait = retry_after_seconds(response.headers.get("Retry-After"))
        wait = answer.retry_after if wait is None else wait
        if wait is None and issubclass(kind, UpstreamRateLimited):
            wait = self.rate_limit_wait
        prefix = f"{self.vendor} {what}".strip()
        return self.error(kind, redact(f"{prefix}: {answer.message}", secrets), status=status,
                          reason=answer.reason or reason, code=answer.code, retry_after=wait)
