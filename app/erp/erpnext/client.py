"""Frappe/ERPNext REST client: envelopes, pagination and error bodies.

Reference: https://docs.frappe.io/framework/user/en/api/rest (and
``frappe/api/v1.py``, ``frappe/utils/response.py``). Resource endpoints answer ``{"data": ...}``,
``/api/method`` answers ``{"message": ...}``; errors carry ``exc_type`` and a double-encoded
``_server_messages`` string (a JSON string holding a JSON array of JSON strings).
"""
from __future__ import annotations

import html
import json
import re
from typing import Any
from urllib.parse import quote

import requests

from app.errors import (
    ERP,
    UpstreamAuthFailed,
    UpstreamError,
    UpstreamNotFound,
    UpstreamRateLimited,
    UpstreamRejected,
    UpstreamUnavailable,
)
from app.net.vendor import VendorAnswer, VendorTable, json_object, plain_answer
from app.net.vendor_http import VendorHTTP

#: Frappe's default page size is 20 (frappe/api/v1.py); we ask for bigger pages and keep paging
DEFAULT_PAGE_SIZE = 100
#: hard cap on rows read by one list call, so a mis-scoped filter cannot drain the ERP
MAX_ROWS = 5000

#: exc_type -> (error class, reason); anything else keeps the class implied by the HTTP status
_EXC_TYPES: dict[str, tuple[type[UpstreamError] | None, str]] = {
    "DoesNotExistError": (UpstreamNotFound, "erp_not_found"),
    "AuthenticationError": (UpstreamAuthFailed, "erp_auth_failed"),
    "SessionExpired": (UpstreamAuthFailed, "erp_auth_failed"),
    "PermissionError": (UpstreamAuthFailed, "erp_permission_denied"),
    "PartyFrozen": (UpstreamRejected, "customer_frozen"),
    "PartyDisabled": (UpstreamRejected, "customer_disabled"),
    "MandatoryError": (UpstreamRejected, "missing_field"),
    "LinkValidationError": (UpstreamRejected, "unknown_reference"),
    "UniqueValidationError": (UpstreamRejected, "duplicate_reference"),
    "DuplicateEntryError": (UpstreamRejected, "duplicate_reference"),
    # check_if_latest (frappe/model/document.py) refuses a save when the document changed since it
    # was read: "Error: Document has been modified after you have opened it (...). Please refresh to
    # get the latest document." (HTTP 417) - re-reading and trying again succeeds, so it is transient.
    # https://github.com/frappe/frappe/blob/develop/frappe/model/document.py
    "TimestampMismatchError": (UpstreamUnavailable, "erp_concurrent_update"),
    # per-endpoint @rate_limit raises a ValidationError subclass -> HTTP 417, yet it is a throttle
    "RateLimitExceededError": (UpstreamRateLimited, "erp_rate_limited"),
}
_TAGS = re.compile(r"<[^>]+>")


def server_messages(raw: Any) -> list[str]:
    """Decode Frappe's double-encoded ``_server_messages`` into plain sentences."""
    if not raw:
        return []
    try:
        items = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        return [str(raw)]
    messages = []
    for item in items if isinstance(items, list) else [items]:
        try:
            decoded = json.loads(item) if isinstance(item, str) else item
        except ValueError:
            decoded = item
        text = decoded.get("message", "") if isinstance(decoded, dict) else str(decoded)
        text = html.unescape(_TAGS.sub("", str(text))).strip()
        if text:
            messages.append(text)
    return messages


def describe_frappe_error(response: requests.Response) -> VendorAnswer:
    """Message, exc_type and error class from a Frappe error response (v1 and v2 bodies)."""
    if response.status_code == 429:
        # the global limiter answers with a plain-text "Too Many Requests" body
        return VendorAnswer("too many requests (rate limit)", code="TooManyRequestsError")
    body = json_object(response)
    if body is None:
        return plain_answer(response)
    exc_type = body.get("exc_type")
    messages = server_messages(body.get("_server_messages"))
    if not exc_type and isinstance(body.get("errors"), list) and body["errors"]:   # /api/v2 shape
        first = body["errors"][0] or {}
        exc_type = first.get("type")
        messages = messages or [str(first.get("message", ""))]
    if not messages and body.get("message") and isinstance(body["message"], str):
        messages = [body["message"]]
    if not messages and isinstance(body.get("exception"), str):
        # "frappe.exceptions.ValidationError: text" - keep the text, never the traceback in "exc"
        messages = [body["exception"].split(": ", 1)[-1]]
    message = "; ".join(messages) or f"HTTP {response.status_code} {exc_type or ''}".strip()
    error_class, reason = _EXC_TYPES.get(exc_type or "", (None, ""))
    if not reason and "credit limit" in message.lower():
        reason = "credit_limit_exceeded"
    return VendorAnswer(message, code=exc_type, kind=error_class, reason=reason or None)


#: ERPNext answers -> the shared error tree
ERPNEXT = VendorTable("ERPNext", ERP, describe=describe_frappe_error)


class FrappeClient:
    """Thin typed wrapper over /api/resource and /api/method."""

    def __init__(self, http: VendorHTTP, *, page_size: int = DEFAULT_PAGE_SIZE):
        self.http = http
        self.page_size = max(int(page_size), 1)

    @staticmethod
    def _resource(doctype: str, name: str | None = None) -> str:
        path = f"api/resource/{quote(doctype)}"
        return f"{path}/{quote(name, safe='')}" if name is not None else path

    def get_list(self, doctype: str, *, fields: list[str], filters: list | dict | None = None,
                 order_by: str | None = None, limit: int | None = None,
                 or_filters: list | None = None) -> list[dict[str, Any]]:
        """All matching rows, paged with limit_start/limit_page_length, at most ``limit`` (or MAX_ROWS).

        ``filters`` must all hold; of ``or_filters`` at least one (frappe.client.get_list's ``or_filters``).
        """
        wanted = min(limit or MAX_ROWS, MAX_ROWS)
        rows: list[dict[str, Any]] = []
        while len(rows) < wanted:
            page_size = min(self.page_size, wanted - len(rows))
            params: dict[str, Any] = {"fields": json.dumps(fields), "limit_start": len(rows),
                                      "limit_page_length": page_size}
            if filters:
                params["filters"] = json.dumps(filters)
            if or_filters:
                params["or_filters"] = json.dumps(or_filters)
            if order_by:
                params["order_by"] = order_by
            page = self._data(self.http.request("GET", self._resource(doctype), params=params))
            if not isinstance(page, list):
                raise UpstreamRejected(f"ERPNext list of {doctype} had an unexpected shape", side=ERP,
                                         reason="erp_bad_response")
            rows.extend(page)
            if len(page) < page_size:
                break
        return rows

    def get_doc(self, doctype: str, name: str) -> dict[str, Any]:
        """One full document (with child tables); UpstreamNotFound when it does not exist."""
        return self._data(self.http.request("GET", self._resource(doctype, name)))

    def insert(self, doctype: str, doc: dict[str, Any]) -> dict[str, Any]:
        """Insert a document (never retried: the caller looks up before inserting again)."""
        return self._data(self.http.request("POST", self._resource(doctype), json=doc, safe=False))

    def update(self, doctype: str, name: str, changes: dict[str, Any]) -> dict[str, Any]:
        """Update (e.g. submit with docstatus 1) an existing document; not retried."""
        return self._data(self.http.request("PUT", self._resource(doctype, name), json=changes, safe=False))

    def call(self, method: str, payload: dict[str, Any], *, safe: bool) -> Any:
        """POST /api/method/<method>; ``safe`` marks read-only methods that may be retried."""
        response = self.http.request("POST", f"api/method/{method}", json=payload, safe=safe)
        return self._envelope(response, "message")

    def get_method(self, method: str, params: dict[str, Any] | None = None) -> Any:
        """GET /api/method/<method> (read-only, retried)."""
        return self._envelope(self.http.request("GET", f"api/method/{method}", params=params), "message")

    def _data(self, response: requests.Response) -> Any:
        return self._envelope(response, "data")

    def _envelope(self, response: requests.Response, key: str) -> Any:
        body = self.http.json(response)
        if not isinstance(body, dict) or key not in body:
            raise UpstreamRejected(f"ERPNext answered without '{key}'; is the URL a Frappe site?", side=ERP,
                                     reason="erp_bad_response", status=response.status_code)
        return body[key]
