"""A stateful fake Business Central environment (API v2.0) and Microsoft Entra tenant for `responses`.

Entra: OpenID discovery and the v2.0 token endpoint (client credentials with a client secret,
scope ``https://api.businesscentral.dynamics.com/.default``; AADSTS error bodies). BC: the
``/v2.0/<tenant>/<environment>/api/v2.0/companies(<id>)/<entity set>`` URL shape, bearer tokens
refused with 401 ``Authentication_InvalidCredentials`` once expired, OData collections with
``value`` and ``@odata.nextLink`` under ``Prefer: odata.maxpagesize``, ``$filter``/``$select``/
``$expand``/``$orderby`` (``tests/fakes/bc_odata.py``), deep insert of ``salesOrders`` with
``salesOrderLines`` (201 + entity, whole request refused on a bad line), ``externalDocumentNumber``
up to 35 characters and not unique, errors as ``{"error": {"code", "message"}}``. Codes for a
wrong environment or a validation failure are reconstructed, not documented; the 429
``Retry-After`` header is sent so the shared handling is exercised.
"""
from __future__ import annotations

import re
import threading
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlencode

import responses

from app.erp.sandbox import SandboxERP
from tests.fakes import bc_odata
from tests.fakes.http_fake import FakeHTTP, SeenRequest, json_reply, text_reply

TENANT, ENVIRONMENT = "contoso.onmicrosoft.com", "production"
COMPANY_ID = "6f1e2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b"
CLIENT_ID, CLIENT_SECRET = "9b1c2d3e-aaaa-4bbb-8ccc-123456789abc", "bc-secret~value-3kQ9"
LOGIN, API = "https://login.microsoftonline.com", "https://api.businesscentral.dynamics.com"
SCOPE = "https://api.businesscentral.dynamics.com/.default"
BASE = f"/v2.0/{TENANT}/{ENVIRONMENT}/api/v2.0"


def bc_error(status: int, code: str, message: str, headers: dict[str, str] | None = None):
    return json_reply(status, {"error": {"code": code, "message": f"{message}  CorrelationId:  4c1d6a2e-0000."}},
                      headers)


class FakeBusinessCentral(FakeHTTP):
    auth_paths = (f"/{TENANT}/", "/common/", "/organizations/")

    def __init__(self, mock: responses.RequestsMock, clock):
        super().__init__()
        self.lock = threading.RLock()     # panel sections read in parallel threads
        self.clock = clock
        self.seed = SandboxERP(clock=clock)
        self.data = bc_odata.seed(self.seed)
        self.data["companies"] = [{"id": COMPANY_ID, "name": "CRONUS", "displayName": "CRONUS International"}]
        self.tokens: set[str] = set()
        self.denied: set[str] = set()
        self.removed: set[str] = set()      # properties left out of entities (renamed by an update, hidden)
        self._etag = 0
        for method in (responses.GET, responses.POST, responses.PATCH):
            mock.add_callback(method, re.compile(re.escape(LOGIN) + r"/.*"), callback=self.handler(self.serialised_identity))
            mock.add_callback(method, re.compile(re.escape(API) + r"/.*"), callback=self.handler(self.serialised))

    def orders_for(self, ref: str) -> list[dict]:
        return [o for o in self.data["salesOrders"] if o["externalDocumentNumber"] == ref]

    def expire_tokens(self) -> None:
        self.tokens.clear()

    def serialised(self, req: SeenRequest):
        """One request at a time (the SQLite connection and order lists are shared between threads)."""
        with self.lock:
            return self.route(req)

    def serialised_identity(self, req: SeenRequest):
        with self.lock:
            return self.identity(req)

    def vendor_fault(self, kind: str):
        if kind == "rate_limited":
            return bc_error(429, "Application_TooManyRequests", "Too many requests reached. Actual (6001). "
                            "Maximum (6000).", {"Retry-After": "2"})
        if kind == "unavailable":
            return text_reply(503, "<html><body>Service Unavailable</body></html>")
        if kind == "auth":
            return bc_error(401, "Authentication_InvalidCredentials", "The server has rejected the client credentials.")
        if kind == "forbidden":
            return bc_error(403, "Authorization_InsufficientPermissions", "You do not have the following permissions "
                            "on TableData Sales Header: Insert")
        return bc_error(400, "Application_DialogException", "Customer CUST-0001 is blocked with type Ship.")

    # -- Microsoft Entra ------------------------------------------------------------------
    def identity(self, req: SeenRequest):
        tenant = req.path.split("/")[1]
        if tenant != TENANT:
            return json_reply(400, {"error": "invalid_tenant", "error_codes": [90002], "error_description":
                                    f"AADSTS90002: Tenant '{tenant}' not found. Check to make sure you have the "
                                    "correct tenant ID and are signing into the correct cloud."})
        if req.path.endswith("/.well-known/openid-configuration"):
            root = f"{LOGIN}/{TENANT}"
            return json_reply(200, {"token_endpoint": f"{root}/oauth2/v2.0/token", "issuer": f"{root}/v2.0",
                                    "authorization_endpoint": f"{root}/oauth2/v2.0/authorize",
                                    "device_authorization_endpoint": f"{root}/oauth2/v2.0/devicecode"})
        if req.path == f"/{TENANT}/oauth2/v2.0/token" and req.method == "POST":
            form = {k: v[-1] for k, v in parse_qs(str(req.body or "")).items()}
            if form.get("grant_type") != "client_credentials" or form.get("scope") != SCOPE:
                return json_reply(400, {"error": "invalid_scope", "error_description": "AADSTS70011: invalid scope"})
            if (form.get("client_id"), form.get("client_secret")) != (CLIENT_ID, CLIENT_SECRET):
                return json_reply(401, {"error": "invalid_client", "error_codes": [7000215], "error_description":
                                        "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent "
                                        "in the request is the client secret value, not the client secret ID."})
            token = f"bc-access-{len(self.seen)}"
            self.tokens.add(token)
            return json_reply(200, {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599,
                                    "access_token": token})
        return json_reply(404, {"error": "not_found"})

    # -- Business Central API ---------------------------------------------------------------
    def route(self, req: SeenRequest):
        if req.headers.get("Authorization", "")[7:] not in self.tokens:
            return bc_error(401, "Authentication_InvalidCredentials", "The server has rejected the client credentials.",
                            {"WWW-Authenticate": 'Bearer authorization_uri="https://login.microsoftonline.com/common"'})
        match = re.fullmatch(rf"/v2\.0/{re.escape(TENANT)}/([^/]+)/api/v2\.0/(.*)", req.path)
        if not match or match.group(1) != ENVIRONMENT:
            return bc_error(404, "NoEnvironment", "The requested environment does not exist for this tenant.")
        rest = match.group(2)
        if rest == "companies":
            return self._collection(req, "companies", list(self.data["companies"]))
        company = re.fullmatch(r"companies\(([^)]+)\)/(\w+)", rest)
        if not company or company.group(1) != COMPANY_ID:
            return bc_error(400, "Internal_CompanyNotFound", "Cannot process the request because the default company "
                            "cannot be found.")
        entity_set = company.group(2)
        if entity_set in self.denied:
            return bc_error(403, "Authorization_InsufficientPermissions",
                            f"You do not have the following permissions on TableData {entity_set}: Read")
        if entity_set not in self.data:
            return bc_error(404, "BadRequest_NotFound", f"Resource not found for the segment '{entity_set}'.")
        if req.method == "POST" and entity_set == "salesOrders":
            from tests.fakes.bc_orders import create_sales_order
            return create_sales_order(self, req.body or {})
        if req.method != "GET":
            return bc_error(405, "BadRequest_MethodNotAllowed", "'POST' requests are not allowed here.")
        return self._collection(req, entity_set, list(self.data[entity_set]))

    def etag(self) -> str:
        self._etag += 1
        return f'W/"JzE5OzE{self._etag:05d}MDA3MDg5NDcxOzAwOyc="'

    def _collection(self, req: SeenRequest, entity_set: str, rows: list[dict[str, Any]]):
        params = dict(req.params)
        expand = {e.strip() for e in params.get("$expand", "").split(",") if e.strip()}
        try:
            rows = bc_odata.order_by([r for r in rows if bc_odata.matches(r, params.get("$filter"))],
                                     params.get("$orderby"))
            shown = [bc_odata.select(self._expanded(r, expand), params.get("$select"), expand) for r in rows]
            shown = [{k: v for k, v in row.items() if k not in self.removed} for row in shown]
        except bc_odata.ODataError as exc:
            return bc_error(400, "BadRequest", str(exc))
        size = int(re.search(r"odata\.maxpagesize=(\d+)", req.headers.get("Prefer", "") + " odata.maxpagesize=20000")
                   .group(1))
        skip = int(params.pop("$skiptoken", "0"))
        body: dict[str, Any] = {"@odata.context": f"{API}{BASE}/$metadata#{entity_set}",
                                "value": shown[skip:skip + size]}
        if skip + size < len(shown):
            body["@odata.nextLink"] = f"{API}{req.path}?{urlencode({**params, '$skiptoken': skip + size})}"
        return json_reply(200, body, {"Preference-Applied": f"odata.maxpagesize={size}"})

    def _expanded(self, row: dict[str, Any], expand: set[str]) -> dict[str, Any]:
        out = {"@odata.etag": row.get("_etag") or self.etag(), **row}
        for name in expand:
            if name == "customerFinancialDetail" and "_financial" in row:
                out[name] = {"id": row["id"], "number": row["number"], **row["_financial"]}
            elif name == "salesOrderLines" and "_lines" in row:
                out[name] = [dict(line, documentId=row["id"]) for line in row["_lines"]]
            else:
                raise bc_odata.ODataError(f"Could not find a navigation property named '{name}'.")
        return out

    def advance(self, ref: str, step: str) -> None:
        """What people do in BC after the order: post the shipment (``deliver``), post the invoice
        (``invoice``: BC deletes an order shipped and invoiced in full; the posted invoice keeps the external
        document number), or apply a payment to it (``pay``). BC has no cancelled order status."""
        if step in ("deliver", "deliver_part"):
            order = self.orders_for(ref)[0]
            for line in order["_lines"]:
                line["shippedQuantity"] = line["quantity"] if step == "deliver" else line["quantity"] / 2
            order["fullyShipped"] = step == "deliver"
        elif step == "invoice":
            order = self.orders_for(ref)[0]
            self.data["salesOrders"].remove(order)
            self.data["salesInvoices"].append({
                "id": bc_odata.guid(), "number": f"S-INV{103001 + len(self.data['salesInvoices'])}",
                "externalDocumentNumber": ref, "orderNumber": order["number"], "invoiceDate": order["orderDate"],
                "postingDate": order["orderDate"], "dueDate": order["orderDate"],
                "customerNumber": order["customerNumber"], "currencyCode": order["currencyCode"],
                "totalAmountIncludingTax": order["totalAmountIncludingTax"],
                "remainingAmount": order["totalAmountIncludingTax"], "status": "Open"})
        elif step == "pay":
            for invoice in self.data["salesInvoices"]:
                if invoice["externalDocumentNumber"] == ref:
                    invoice.update(remainingAmount=0.0, status="Paid")

    def add_order(self, order: dict[str, Any]) -> None:
        order["totalAmountIncludingTax"] = float(sum(
            (Decimal(str(line["quantity"])) * Decimal(str(line["unitPrice"])) *
             (100 - Decimal(str(line.get("discountPercent", 0)))) / 100 for line in order["_lines"]), Decimal(0)))
        self.data["salesOrders"].append(order)
