"""Business Central API v2.0 client: OData queries, server-driven paging, error bodies.

URL: ``https://api.businesscentral.dynamics.com/v2.0/<tenant>/<environment>/api/v2.0/companies(<id>)/<entity set>``
(https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/developer/devenv-develop-connect-apps).
Collections answer ``{"@odata.context", "value": [...], "@odata.nextLink"?}``; the next link is
followed verbatim (same host only), page size asked with ``Prefer: odata.maxpagesize``
(https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/webservices/use-server-driven-paging).
Errors are ``{"error": {"code", "message"}}``; 429 means the environment's limits were hit and
must be retried after a pause
(https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/api-reference/v2.0/dynamics-rate-limits);
whether a ``Retry-After`` header accompanies it is not documented.
"""
from __future__ import annotations

from typing import Any

import requests

from app.erp.businesscentral.auth import EntraTokens
from app.erp.limits import ConcurrencyGate
from app.erp.tokens import authorized_call
from app.errors import (
    ERP,
    UpstreamAuthFailed,
    UpstreamError,
    UpstreamMisconfigured,
    UpstreamNotFound,
    UpstreamRejected,
)
from app.net.vendor import VendorAnswer, VendorTable, json_object, plain_answer
from app.net.vendor_http import VendorHTTP

API_HOST = "https://api.businesscentral.dynamics.com"
PAGE_SIZE = 1000
MAX_ROWS = 5000
_CODES: dict[str, tuple[type[UpstreamError], str]] = {
    "Authentication_InvalidCredentials": (UpstreamAuthFailed, "erp_auth_failed"),
    "Internal_CompanyNotFound": (UpstreamMisconfigured, "unknown_company"),
    "BadRequest_NotFound": (UpstreamNotFound, "erp_not_found"),
    "BadRequest_ResourceNotFound": (UpstreamNotFound, "erp_not_found"),
    "Internal_RecordNotFound": (UpstreamNotFound, "erp_not_found"),
    "Internal_EntityWithSameKeyExists": (UpstreamRejected, "duplicate_reference"),
    "Request_EntityChanged": (UpstreamRejected, "concurrent_update"),
}


def literal(value: str) -> str:
    """An OData string literal (single quotes doubled)."""
    return "'" + str(value).replace("'", "''") + "'"


def any_of(field: str, values: list[str]) -> str:
    """``field eq 'a' or field eq 'b'`` (the ``in`` operator is not used: support is not documented)."""
    return " or ".join(f"{field} eq {literal(v)}" for v in values)


def describe_bc_error(response: requests.Response) -> VendorAnswer:
    """Message, ``error.code`` and class from a Business Central error body."""
    body = json_object(response)
    error = (body or {}).get("error")
    if not isinstance(error, dict):
        return plain_answer(response)
    code = str(error.get("code") or "")
    message = str(error.get("message") or code).split("  CorrelationId:")[0].strip()
    error_class, reason = _CODES.get(code, (None, None))
    if error_class is None and (response.status_code == 403 or "do not have the following permissions" in message):
        error_class, reason = UpstreamAuthFailed, "erp_permission_denied"
    return VendorAnswer(message, code=code or None, kind=error_class, reason=reason)


#: Business Central answers -> the shared error tree
BUSINESS_CENTRAL = VendorTable("Business Central", ERP, describe=describe_bc_error)


class BCClient:
    """Authorised, gated OData calls for one environment and company."""

    def __init__(self, http: VendorHTTP, *, company_id: str, tokens: EntraTokens, gate: ConcurrencyGate,
                 page_size: int = PAGE_SIZE):
        self.http, self.company_id, self.tokens, self.gate = http, company_id, tokens, gate
        self.page_size = min(max(int(page_size), 1), 20000)      # BC serves at most 20,000 per page

    def close(self) -> None:
        self.http.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return authorized_call(lambda: self.http.request(method, path, **kwargs), tokens=self.tokens, gate=self.gate)

    def path(self, entity_set: str) -> str:
        return f"companies({self.company_id})/{entity_set}"

    def collection(self, path: str, *, filter: str | None = None, select: str | None = None,
                   expand: str | None = None, orderby: str | None = None, limit: int | None = None) -> list[dict]:
        """Every entity of a collection (``@odata.nextLink`` paging), at most ``limit``/MAX_ROWS."""
        wanted = min(limit or MAX_ROWS, MAX_ROWS)
        params: dict[str, Any] | None = {k: v for k, v in (("$filter", filter), ("$select", select),
                                                           ("$expand", expand), ("$orderby", orderby)) if v}
        headers = {"Prefer": f"odata.maxpagesize={min(self.page_size, wanted)}"}
        rows: list[dict] = []
        while len(rows) < wanted:
            body = self.http.json(self._call("GET", path, params=params, headers=headers))
            value = body.get("value") if isinstance(body, dict) else None
            if not isinstance(value, list):
                raise UpstreamRejected("Business Central answered without a 'value' list", side=ERP, reason="erp_bad_response")
            rows.extend(value)
            path, params = body.get("@odata.nextLink"), None
            if not path:
                break
        return rows[:wanted]

    def create(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST a new entity (never retried); BC answers 201 with the created entity."""
        created = self.http.json(self._call("POST", path, json=body, safe=False))
        if not isinstance(created, dict):
            raise UpstreamRejected("Business Central answered a create without the entity", side=ERP, reason="erp_bad_response")
        return created
