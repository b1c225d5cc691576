"""SuiteTalk REST client: SuiteQL paging, record reads and creates, error bodies.

* SuiteQL: ``POST /services/rest/query/v1/suiteql?limit=&offset=`` with ``Prefer: transient``
  and ``{"q": "..."}``; pages carry ``items``, ``hasMore``, ``offset``, ``count``,
  ``totalResults`` and ``links``; at most 1,000 rows per page and 100,000 per query
  (https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_157909186990.html,
  collection paging: https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_156414087576.html).
  Column names come back in lower case; every row also carries a ``links`` list.
* Create: ``POST /services/rest/record/v1/<record>`` answers 204 with the new record's URL in
  ``Location`` (https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_1545141395.html).
* Errors: ``{"type", "title", "status", "o:errorDetails": [{"detail", "o:errorCode", "o:errorPath"?}]}``
  (https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_156570709583.html).
  Over the account's concurrency limit REST answers 429; RESTlets answer 400 with
  ``SSS_REQUEST_LIMIT_EXCEEDED`` (https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/bridgehead_1525252812.html).
  The 429 body and whether a ``Retry-After`` accompanies it are not documented: codes that
  name a concurrency limit are treated as rate limiting on any status, and without
  ``Retry-After`` the caller backs off exponentially.
"""
from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import requests

from app.erp.limits import ConcurrencyGate
from app.erp.tokens import TokenSource, authorized_call
from app.errors import (
    ERP,
    UpstreamAuthFailed,
    UpstreamError,
    UpstreamNotFound,
    UpstreamRateLimited,
    UpstreamRejected,
)
from app.net.vendor import VendorAnswer, VendorTable, json_object, plain_answer
from app.net.vendor_http import VendorHTTP

PAGE_SIZE = 1000            # SuiteQL's maximum page size
_HIDDEN_TABLE = re.compile(r"Search error occurred: Record '\w+' was not found")
MAX_ROWS = 5000             # hard cap per query, so a mis-scoped query cannot drain the account
_CODES: dict[str, tuple[type[UpstreamError], str]] = {
    "INVALID_LOGIN": (UpstreamAuthFailed, "erp_auth_failed"),
    "INVALID_LOGIN_ATTEMPT": (UpstreamAuthFailed, "erp_auth_failed"),
    "INSUFFICIENT_PERMISSION": (UpstreamAuthFailed, "erp_permission_denied"),
    "CONCURRENCY_LIMIT_EXCEEDED": (UpstreamRateLimited, "erp_rate_limited"),
    "SSS_REQUEST_LIMIT_EXCEEDED": (UpstreamRateLimited, "erp_rate_limited"),
    "WS_REQUEST_BLOCKED": (UpstreamRateLimited, "erp_rate_limited"),
    "NONEXISTENT_ID": (UpstreamNotFound, "erp_not_found"),
    "RCRD_DSNT_EXIST": (UpstreamNotFound, "erp_not_found"),
    "INVALID_CONTENT": (UpstreamRejected, "erp_rejected"),
    "FIELD_PARAM_REQD": (UpstreamRejected, "missing_field"),
    "USER_ERROR": (UpstreamRejected, "erp_rejected"),
}


def describe_netsuite_error(response: requests.Response) -> VendorAnswer:
    """Message, first ``o:errorCode`` and error class from a SuiteTalk REST error body."""
    body = json_object(response)
    details = (body or {}).get("o:errorDetails")
    if not isinstance(details, list) or not details:
        return plain_answer(response)
    texts, code = [], None
    for item in details:
        if not isinstance(item, dict):
            continue
        code = code or item.get("o:errorCode")
        text = str(item.get("detail") or "").strip()
        path = item.get("o:errorPath")
        texts.append(f"{text} ({path})" if path else text)
    error_class, reason = _CODES.get(str(code or ""), (None, None))
    if error_class is None and _HIDDEN_TABLE.search(" ".join(texts)):
        # SuiteQL names a table the role may not see as "Record '<table>' was not found" (as NetSuite
        # users report it; the tables erp-panel queries exist in every account)
        error_class, reason = UpstreamAuthFailed, "erp_permission_denied"
    if error_class is None and response.status_code == 403:
        error_class, reason = UpstreamAuthFailed, "erp_permission_denied"
    return VendorAnswer("; ".join(t for t in texts if t) or f"HTTP {response.status_code}", code=code,
                       kind=error_class, reason=reason)


#: NetSuite REST answers -> the shared error tree
NETSUITE = VendorTable("NetSuite", ERP, describe=describe_netsuite_error)


class SuiteTalkClient:
    """Authorised, gated calls to one account's REST web services."""

    def __init__(self, http: VendorHTTP, *, tokens: TokenSource | None, gate: ConcurrencyGate,
                 page_size: int = PAGE_SIZE):
        self.http, self.tokens, self.gate = http, tokens, gate
        self.page_size = min(max(int(page_size), 1), PAGE_SIZE)

    def close(self) -> None:
        self.http.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return authorized_call(lambda: self.http.request(method, path, **kwargs), tokens=self.tokens,
                               gate=self.gate)

    def suiteql(self, query: str, *, limit: int | None = None) -> list[dict[str, Any]]:
        """Every row of a read-only query (retried on transient errors), at most ``limit``/MAX_ROWS."""
        wanted = min(limit or MAX_ROWS, MAX_ROWS)
        size = min(self.page_size, wanted)
        rows: list[dict[str, Any]] = []
        offset = 0
        while len(rows) < wanted:
            page = self.http.json(self._call("POST", "query/v1/suiteql", params={"limit": size, "offset": offset},
                                             json={"q": query}, headers={"Prefer": "transient"}, safe=True))
            items = page.get("items") if isinstance(page, dict) else None
            if not isinstance(items, list):
                raise UpstreamRejected("NetSuite answered a SuiteQL query without 'items'", side=ERP, reason="erp_bad_response")
            rows.extend({k.lower(): v for k, v in item.items() if k != "links"} for item in items)
            if not page.get("hasMore") or not items:
                break
            offset += len(items)
        return rows[:wanted]

    def get_record(self, record: str, key: str) -> dict[str, Any] | None:
        """One record by internal id or ``eid:<external id>``; None when it does not exist."""
        try:
            body = self.http.json(self._call("GET", f"record/v1/{record}/{quote(key, safe=':')}"))
        except UpstreamNotFound:
            return None
        if not isinstance(body, dict):
            raise UpstreamRejected(f"NetSuite answered a {record} read with an unexpected body", side=ERP,
                                     reason="erp_bad_response")
        return body

    def create_record(self, record: str, body: dict[str, Any]) -> str | None:
        """POST a new record (never retried); its internal id from ``Location``, None when that
        header is missing or unusable (the caller then reads the record by external id)."""
        response = self._call("POST", f"record/v1/{record}", json=body, safe=False)
        new_id = response.headers.get("Location", "").rstrip("/").rsplit("/", 1)[-1]
        return new_id if new_id.isdigit() else None
