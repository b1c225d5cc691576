"""A stateful fake NetSuite account (SuiteTalk REST) for `responses`.

Follows the vendor contract: M2M token endpoint verifying the client assertion (kid, alg,
iss, aud, scope, exp - iat < 1 h) and tokens valid for 3600 s of the injected clock; TBA
``OAuth`` headers verified by recomputing the HMAC-SHA256 signature; SuiteQL executed against
SQLite (``tests/fakes/netsuite_db.py``) with ``Prefer: transient`` required, ``limit`` <= 1000
and the collection-paging envelope; ``POST record/v1/salesOrder`` -> 204 + ``Location``;
``GET record/v1/salesOrder/eid:<key>``; error bodies with ``o:errorDetails``; ``externalId``
unique per record type. Unconfirmed details are chosen to be the least convenient for the
client: SuiteQL values come back as text and NULL columns are left out of rows; a role without
access to a table gets "Record '<table>' was not found" (400) as NetSuite users report. The
429 body and its ``Retry-After`` are not documented; the fake sends both so the shared
Retry-After handling is exercised (``retry_after=None`` drops the header).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
import sqlite3
import threading
from typing import Any
from urllib.parse import parse_qs, unquote

import jwt
import responses
from authlib.oauth1.rfc5849.signature import construct_base_string, escape
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from app.erp.sandbox import SandboxERP
from tests.fakes import netsuite_db
from tests.fakes.http_fake import FakeHTTP, SeenRequest, json_reply, text_reply
from tests.fakes.netsuite_orders import create_sales_order

ACCOUNT = "1234567_SB1"
URL = "https://1234567-sb1.suitetalk.api.netsuite.com"
REST = URL + "/services/rest"
TOKEN_PATH = "/services/rest/auth/oauth2/v1/token"
CLIENT_ID, CERTIFICATE_ID = "ns-client-4f1c9e", "ns-cert-Q7aVx2"
CONSUMER_KEY, CONSUMER_SECRET = "ns-consumer-key-83b1", "ns-consumer-secret-5e0a"
TOKEN_ID, TOKEN_SECRET = "ns-token-id-c29d", "ns-token-secret-7f44"
_EC_KEY = ec.generate_private_key(ec.SECP256R1())
PRIVATE_KEY_PEM = _EC_KEY.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode()
TOKEN_LIFETIME = 3600


def ns_error(status: int, code: str, detail: str, title: str = "Bad Request", path: str | None = None):
    """An error body as in Oracle's "Error Handling in REST Web Services" examples."""
    detail_item = {"detail": detail, "o:errorCode": code}
    if path:
        detail_item["o:errorPath"] = path
    return json_reply(status, {"type": "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.1",
                               "title": title, "status": status, "o:errorDetails": [detail_item]})


def invalid_login():
    return ns_error(401, "INVALID_LOGIN", "Invalid login attempt. For more details, see the Login Audit Trail in "
                    "the NetSuite UI at Setup > Users/Roles > User Management > View Login Audit Trail.", "Unauthorized")


class FakeNetSuite(FakeHTTP):
    auth_paths = (TOKEN_PATH,)

    def __init__(self, mock: responses.RequestsMock, clock, *, public_key=None, retry_after: str | None = "2"):
        super().__init__()
        self.lock = threading.RLock()     # panel sections read in parallel threads
        self.clock, self.retry_after = clock, retry_after
        self.public_key = public_key or _EC_KEY.public_key()
        self.seed = SandboxERP(clock=clock)
        self.db = netsuite_db.connect()
        self.ids = netsuite_db.seed(self.db, self.seed)
        self.denied: set[str] = set()                  # tables the integration role cannot see
        self.removed: set[str] = set()                 # columns left out of SuiteQL rows (renamed, hidden)
        self.tokens: dict[str, float] = {}             # access token -> expiry (clock timestamp)
        self.orders: list[dict[str, Any]] = []
        self.reject_orders: str | None = None
        for method in (responses.GET, responses.POST, responses.PUT):
            mock.add_callback(method, re.compile(re.escape(URL) + r"/.*"), callback=self.handler(self.serialised))

    def orders_for(self, ref: str) -> list[dict]:
        return [o for o in self.orders if o["externalId"] == ref and o["status"]["id"] != "C"]

    def expire_tokens(self) -> None:
        """Server-side expiry/revocation of every token handed out so far."""
        self.tokens.clear()

    def serialised(self, req: SeenRequest):
        """One request at a time (the SQLite connection and order lists are shared between threads)."""
        with self.lock:
            return self.route(req)

    def vendor_fault(self, kind: str):
        if kind == "rate_limited":
            headers = {"Retry-After": self.retry_after} if self.retry_after else {}
            status, head, body = ns_error(429, "CONCURRENCY_LIMIT_EXCEEDED", "Concurrent request limit exceeded. "
                                          "Request blocked.", "Too Many Requests")
            return status, {**head, **headers}, body
        if kind == "unavailable":
            return text_reply(503, "<html><body>Service Temporarily Unavailable</body></html>")
        if kind == "auth":
            return invalid_login()
        if kind == "forbidden":
            return ns_error(403, "INSUFFICIENT_PERMISSION", "Permission Violation: You need a higher level of the "
                            "'Sales Order' permission to access this page.", "Forbidden")
        return ns_error(400, "USER_ERROR", "Error while accessing a resource. You have entered an Invalid Field "
                        "Value 9 for the following field: location", path="location")

    # -- authentication -------------------------------------------------------------
    def _token(self, req: SeenRequest):
        form = {k: v[-1] for k, v in parse_qs(str(req.body or "")).items()}
        if form.get("grant_type") != "client_credentials" or form.get("client_assertion_type") != \
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer":
            return json_reply(400, {"error": "invalid_request"})
        assertion = form.get("client_assertion", "")
        try:
            header = jwt.get_unverified_header(assertion)
            claims = jwt.decode(assertion, self.public_key, algorithms=["PS256", "PS384", "PS512", "ES256", "ES384",
                                                                         "ES512"],
                                audience=REST + "/auth/oauth2/v1/token", options={"verify_exp": False,
                                                                                   "verify_iat": False})
        except jwt.PyJWTError:
            return json_reply(400, {"error": "invalid_client"})
        now = self.clock.timestamp()
        valid = (header.get("kid") == CERTIFICATE_ID and claims.get("iss") == CLIENT_ID
                 and "rest_webservices" in str(claims.get("scope")) and claims["iat"] - 60 <= now <= claims["exp"]
                 and claims["exp"] - claims["iat"] < 3600)
        if not valid:
            return json_reply(400, {"error": "invalid_client"})
        token = f"ns-access-{len(self.seen)}-{int(now)}"
        self.tokens[token] = now + TOKEN_LIFETIME
        return json_reply(200, {"access_token": token, "expires_in": str(TOKEN_LIFETIME), "token_type": "bearer"})

    def _authorised(self, req: SeenRequest) -> bool:
        auth = req.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            return self.tokens.get(auth[7:], 0) > self.clock.timestamp()
        if not auth.startswith("OAuth "):
            return False
        params = dict(re.findall(r'(\w+)="([^"]*)"', auth))
        if (params.get("realm"), params.get("oauth_consumer_key"), params.get("oauth_token"),
                params.get("oauth_signature_method")) != (ACCOUNT, CONSUMER_KEY, TOKEN_ID, "HMAC-SHA256"):
            return False
        oauth = [(k, unquote(v)) for k, v in params.items() if k.startswith("oauth_") and k != "oauth_signature"]
        url = URL + req.path + ("?" + "&".join(f"{k}={v}" for k, v in req.params.items()) if req.params else "")
        base = construct_base_string(req.method, url, oauth + list(req.params.items()))
        key = f"{escape(CONSUMER_SECRET)}&{escape(TOKEN_SECRET)}"
        expected = base64.b64encode(hmac.new(key.encode(), base.encode(), hashlib.sha256).digest()).decode()
        return hmac.compare_digest(unquote(params.get("oauth_signature", "")), expected)

    # -- routing ----------------------------------------------------------------------
    def route(self, req: SeenRequest):
        if req.path == TOKEN_PATH and req.method == "POST":
            return self._token(req)
        if not self._authorised(req):
            return invalid_login()
        if req.path == "/services/rest/query/v1/suiteql" and req.method == "POST":
            return self._suiteql(req)
        match = re.fullmatch(r"/services/rest/record/v1/salesOrder(?:/(.+))?", req.path)
        if match and req.method == "GET" and match.group(1):
            order = self._order(unquote(match.group(1)))
            shown = {k: v for k, v in (order or {}).items() if k != "lines"}   # sublists come back as links
            return json_reply(200, shown) if order else ns_error(
                404, "NONEXISTENT_ID", "The record instance does not exist. Provide a valid record instance ID.",
                "Not Found")
        if match and req.method == "POST" and not match.group(1):
            return create_sales_order(self, req.body or {})
        return ns_error(404, "INVALID_URL", f"Invalid URL {req.path}", "Not Found")

    def advance(self, ref: str, step: str) -> None:
        """What people do in NetSuite after the order: item fulfilment (``deliver``: status F Pending Billing),
        an invoice (``invoice``: G Billed, linked in ``previoustransactionlink``), a customer payment
        (``pay``) or cancelling it (C)."""
        order = self.orders_for(ref)[0]
        so_id = int(order["id"])
        letter = {"deliver": "F", "deliver_part": "E", "invoice": "G", "cancel": "C"}.get(step)
        if step == "invoice":
            inv_id = 90000 + so_id
            self.db.execute('INSERT INTO "transaction" (id, tranid, type, entity, trandate, duedate, foreigntotal, '
                            "foreignamountunpaid, status, currency) VALUES (?, ?, 'CustInvc', ?, ?, ?, ?, ?, 'A', ?)",
                            (inv_id, f"INV{inv_id}", int(order["entity"]["id"]), order["tranDate"], order["tranDate"],
                             str(order["total"]), str(order["total"]), int(order["currency"]["id"])))
            self.db.execute("INSERT INTO previoustransactionlink VALUES (?, ?, 'OrdBill')", (so_id, inv_id))
        if step == "pay":
            self.db.execute("UPDATE \"transaction\" SET foreignamountunpaid = 0, status = 'B' WHERE id IN "
                            "(SELECT nextdoc FROM previoustransactionlink WHERE previousdoc = ?)", (so_id,))
        if letter:
            self.db.execute('UPDATE "transaction" SET status = ? WHERE id = ?', (letter, so_id))
            order["status"] = {"id": letter, "refName": letter}

    def _order(self, key: str) -> dict | None:
        field, value = ("externalId", key[4:]) if key.startswith("eid:") else ("id", key)
        return next((o for o in self.orders if o[field] == value), None)

    def _suiteql(self, req: SeenRequest):
        if req.headers.get("Prefer") != "transient":
            return ns_error(400, "INVALID_HEADER", "Missing or invalid 'Prefer: transient' header.")
        try:
            limit, offset = int(req.params.get("limit", 1000)), int(req.params.get("offset", 0))
        except ValueError:
            return ns_error(400, "INVALID_PARAMETER", "Invalid limit or offset.")
        if not 1 <= limit <= 1000 or offset < 0:
            return ns_error(400, "INVALID_PARAMETER", "The limit must be between 1 and 1000.")
        query = str((req.body or {}).get("q") or "")
        for table in self.denied:
            if re.search(rf"\b(FROM|JOIN)\s+{table}\b", query, re.IGNORECASE):
                return ns_error(400, "INVALID_PARAMETER", "Invalid search query. Detailed unprocessed description "
                                f"follows. Search error occurred: Record '{table}' was not found.")
        try:
            cursor = self.db.execute(netsuite_db.to_sqlite(query))
        except sqlite3.Error as exc:
            return ns_error(400, "INVALID_PARAMETER", "Invalid search query. Detailed unprocessed description "
                            f"follows. Search error occurred: {exc}")
        names = [d[0].lower() for d in cursor.description]
        rows = cursor.fetchall()
        page = rows[offset:offset + limit]
        items = [{"links": [], **{n: str(v) for n, v in zip(names, row, strict=True)
                                  if v is not None and n not in self.removed}} for row in page]
        has_more = offset + limit < len(rows)
        links = [{"rel": "self", "href": f"{REST}/query/v1/suiteql?limit={limit}&offset={offset}"}]
        if has_more:
            links.insert(0, {"rel": "next", "href": f"{REST}/query/v1/suiteql?limit={limit}&offset={offset + limit}"})
        return json_reply(200, {"links": links, "count": len(items), "hasMore": has_more, "items": items,
                                "offset": offset, "totalResults": len(rows)})
