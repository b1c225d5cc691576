"""A fake Pipedrive (OAuth server + one company's API) on top of ``responses``.

Follows the documented shapes in shared/reference/crm-contracts.md §2: token
endpoint with HTTP Basic client auth and ``api_domain``; ``/v1/users/me``;
``/v1/dealFields`` / ``/v1/organizationFields`` with 40-char hash keys; API v2
deals/products/organizations with ``custom_fields``; ``POST /api/v1/webhooks``;
envelopes ``{"success", "data", "additional_data"}``. Access tokens expire by the
injected clock. ``fail_next`` queues error answers (429 with headers, 5xx, ...).
"""
from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import uuid
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlparse

import jwt
import responses

CLIENT_ID = "pd-client-id"
CLIENT_SECRET = "pd-client-secret-0123456789abcdefghij"
JWT_SECRET = "pd-jwt-secret-for-panels-0123456789abcdef"
OAUTH = "https://oauth.pipedrive.com"


def basic_auth(user: str, password: str) -> str:
    """An ``Authorization`` header value with HTTP Basic credentials (what Pipedrive sends webhooks with)."""
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def field_key(name: str) -> str:
    return hashlib.sha1(name.encode(), usedforsecurity=False).hexdigest()  # 40 hex chars, like Pipedrive's hash keys


@dataclass
class Company:
    company_id: int = 13370
    user_id: int = 191352
    name: str = "ACME GmbH"
    api_domain: str = "https://acme.pipedrive.com"
    is_admin: bool = True
    deals: dict[int, dict] = field(default_factory=dict)
    deal_products: dict[int, list[dict]] = field(default_factory=dict)
    products: dict[int, dict] = field(default_factory=dict)
    organizations: dict[int, dict] = field(default_factory=dict)
    persons: dict[int, dict] = field(default_factory=dict)
    fields: dict[str, list[dict]] = field(default_factory=lambda: {"deal": [
        {"key": "title", "name": "Title", "field_type": "varchar", "edit_flag": False}], "organization": [
        {"key": "name", "name": "Name", "field_type": "varchar", "edit_flag": False}]})
    webhooks: list[dict] = field(default_factory=list)
    #: other users of the company (GET /v1/users/{id}) and roles (GET /v1/roles/{id}), for role-based figures
    users: dict[int, dict] = field(default_factory=dict)
    roles: dict[int, dict] = field(default_factory=dict)


class FakePipedrive:
    """Registers the fake endpoints on a ``responses.RequestsMock``."""

    def __init__(self, rsps: responses.RequestsMock, clock, redirect_uri: str, company: Company | None = None):
        self.rsps = rsps
        self.clock = clock
        self.redirect_uri = redirect_uri
        self.company = company or Company()
        self.codes: dict[str, Company] = {}
        self.access: dict[str, float] = {}      # token -> expiry timestamp
        self.refresh_tokens: set[str] = set()
        self.expires_in = 3599
        self.token_calls: list[dict] = []
        self.patches: list[tuple[int, dict]] = []
        self.calls: list[tuple[str, str]] = []
        self._failures: list[tuple[str, re.Pattern, int, dict, dict]] = []
        self._register()

    # -- test controls -----------------------------------------------------------------
    def authorization_code(self) -> str:
        """What Pipedrive appends to the redirect after the admin clicks 'Allow and Install'."""
        code = "code-" + secrets.token_hex(6)
        self.codes[code] = self.company
        return code

    def fail_next(self, method: str, path_pattern: str, status: int, *, headers: dict | None = None,
                  body: dict | None = None, times: int = 1) -> None:
        for _ in range(times):
            self._failures.append((method, re.compile(path_pattern), status, headers or {},
                                   body if body is not None else {"success": False, "error": "failure"}))

    def expire_tokens(self) -> None:
        self.access.clear()

    def sign_jwt(self, *, secret: str = JWT_SECRET, company_id=None, user_id=None, lifetime: int = 300,
                 **extra) -> str:
        now = int(self.clock.timestamp())
        claims = {"userId": user_id or self.company.user_id, "companyId": company_id or self.company.company_id,
                  "iat": now, "exp": now + lifetime, **extra}
        return jwt.encode(claims, secret, algorithm="HS256")

    def add_org(self, org_id: int, name: str, erp_customer: str | None = None, field_name="ERP customer ID"):
        org = {"id": org_id, "name": name, "custom_fields": {}}
        if erp_customer is not None:
            org["custom_fields"][field_key(field_name)] = erp_customer
        self.company.organizations[org_id] = org
        return org

    def add_deal(self, deal_id: int, org_id: int | None, *, status="open", products=()):
        self.company.deals[deal_id] = {"id": deal_id, "title": f"Deal {deal_id}", "status": status,
                                       "value": 0, "currency": "EUR", "org_id": org_id, "custom_fields": {}}
        self.company.deal_products[deal_id] = list(products)
        return self.company.deals[deal_id]

    def add_user(self, user_id: int, *, role: tuple[int, str] | None = None, permission_set: str = "",
                 admin: bool = False) -> dict:
        """A user as GET /v1/users/{id} answers it (https://developers.pipedrive.com/docs/api/v1/Users#getUser):
        ``role_id`` (a role of GET /v1/roles/{id}), ``is_admin`` and ``access`` with the sales app's permission set."""
        if role is not None:
            self.company.roles[role[0]] = {"id": role[0], "name": role[1], "parent_role_id": None}
        user = {"id": user_id, "name": f"User {user_id}", "email": f"user{user_id}@acme.example",
                "is_admin": 1 if admin else 0, "role_id": role[0] if role else None, "active_flag": True,
                "access": [{"app": "sales", "admin": admin, "permission_set_id": permission_set or "regular-sales"}]}
        self.company.users[user_id] = user
        return user

    def add_text_field(self, entity: str, name: str) -> str:
        key = field_key(name)
        self.company.fields[entity].append({"key": key, "name": name, "field_type": "varchar", "edit_flag": True})
        return key

    def webhook_payload(self, deal_id, *, status="won", previous=None, event_id=None, company_id=None,
                        string_ids=True) -> dict:
        ident = str if string_ids else int
        return {"meta": {"action": "change", "entity": "deal", "entity_id": ident(deal_id),
                         "id": event_id or str(uuid.uuid4()),
                         "company_id": ident(company_id or self.company.company_id),
                         "user_id": ident(self.company.user_id), "timestamp": "2026-11-23T12:00:00.000Z",
                         "type": "application", "version": "2.0", "attempt": 1, "change_source": "app"},
                "data": {"id": deal_id if not string_ids else int(deal_id), "title": "ACME order",
                         "status": status, "org_id": 7, "custom_fields": {}},
                "previous": previous if previous is not None else {"status": "open"}}

    # -- plumbing ----------------------------------------------------------------------
    def _register(self) -> None:
        self.rsps.add_callback(responses.POST, OAUTH + "/oauth/token", callback=self._token)
        api = re.compile(re.escape(self.company.api_domain) + r"/.*")
        for method in (responses.GET, responses.POST, responses.PATCH, responses.DELETE):
            self.rsps.add_callback(method, api, callback=self._api)

    def _reply(self, status: int, body, headers: dict | None = None):
        base = {"Content-Type": "application/json", "x-ratelimit-limit": "80", "x-ratelimit-remaining": "79",
                "x-ratelimit-reset": "2"}
        base.update(headers or {})
        return status, base, json.dumps(body)

    def _token(self, request):
        form = {k: v[0] for k, v in parse_qs(request.body or "").items()}
        self.token_calls.append(form)
        expected = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if request.headers.get("Authorization") != expected:
            return self._reply(401, {"success": False, "error": "invalid_client"})
        failure = self._take_failure("POST", "/oauth/token")
        if failure:
            return failure
        grant = form.get("grant_type")
        if grant == "authorization_code":
            company = self.codes.pop(form.get("code", ""), None)
            if company is None or form.get("redirect_uri") != self.redirect_uri:
                return self._reply(400, {"error": "invalid_grant", "error_description": "bad code"})
        elif grant == "refresh_token":
            if form.get("refresh_token") not in self.refresh_tokens:
                return self._reply(400, {"error": "invalid_grant", "error_description": "bad refresh token"})
            self.refresh_tokens.discard(form["refresh_token"])
        else:
            return self._reply(400, {"error": "unsupported_grant_type"})
        access, refresh = "at-" + secrets.token_hex(8), "rt-" + secrets.token_hex(8)
        self.access[access] = self.clock.timestamp() + self.expires_in
        self.refresh_tokens.add(refresh)
        return self._reply(200, {"access_token": access, "token_type": "Bearer", "refresh_token": refresh,
                                 "scope": "base,deals:full,admin", "expires_in": self.expires_in,
                                 "api_domain": self.company.api_domain})

    def _take_failure(self, method: str, path: str):
        for index, (m, pattern, status, headers, body) in enumerate(self._failures):
            if m == method and pattern.search(path):
                del self._failures[index]
                return self._reply(status, body, headers)
        return None

    def _api(self, request):
        path = request.path_url.split("?")[0]
        self.calls.append((request.method, path))
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if self.access.get(token, 0) <= self.clock.timestamp():
            return self._reply(401, {"success": False, "error": "unauthorized access"})
        failure = self._take_failure(request.method, path)
        if failure:
            return failure
        body = json.loads(request.body) if request.body else {}
        if request.method == "GET" and path == "/api/v2/deals":
            return self._list_deals(parse_qs(urlparse(request.url).query))
        return self._directory(request.method, path) or self._route(request.method, path, body)

    def _directory(self, method: str, path: str):
        """GET /v1/users/{id} and GET /v1/roles/{id} (None: not such a request)."""
        m = re.fullmatch(r"/v1/(users|roles)/(\d+)", path)
        if not m or method != "GET":
            return None
        found = (self.company.users if m.group(1) == "users" else self.company.roles).get(int(m.group(2)))
        return (self._reply(200, {"success": True, "data": found}) if found
                else self._reply(404, {"success": False, "error": "not found"}))

    def _list_deals(self, query: dict):
        """``GET /api/v2/deals`` (status, updated_since, limit, cursor = the next offset as text)."""
        status = query.get("status", [None])[0]
        since = query.get("updated_since", [""])[0]
        rows = [d for d in self.company.deals.values() if (status is None or d["status"] == status)
                and str(d.get("update_time") or "9999") >= since]
        start, limit = int(query.get("cursor", ["0"])[0]), int(query.get("limit", ["100"])[0])
        page = rows[start:start + limit]
        cursor = str(start + limit) if start + limit < len(rows) else None
        return self._reply(200, {"success": True, "data": page, "additional_data": {"next_cursor": cursor}})

    def _route(self, method: str, path: str, body: dict):
        c = self.company
        ok = lambda data, extra=None: self._reply(200 if method != "POST" else 201,  # noqa: E731
                                                  {"success": True, "data": data, "additional_data": extra or {}})
        missing = self._reply(404, {"success": False, "error": "not found"})
        if path == "/v1/users/me":
            return ok({"id": c.user_id, "company_id": c.company_id, "company_name": c.name,
                       "is_admin": c.is_admin, "name": "Ada Admin"})
        m = re.fullmatch(r"/v1/(deal|organization)Fields", path)
        if m:
            entity = m.group(1)
            if method == "GET":
                return ok(c.fields[entity])
            key = field_key(body["name"])
            created = {"key": key, "name": body["name"], "field_type": body["field_type"], "edit_flag": True}
            c.fields[entity].append(created)
            return ok(created)
        if path == "/api/v1/webhooks" and method == "POST":
            hook = {**body, "id": len(c.webhooks) + 100, "type": "application"}
            c.webhooks.append(hook)
            return ok(hook)
        m = re.fullmatch(r"/api/v1/webhooks/(\d+)", path)
        if m and method == "DELETE":
            c.webhooks = [w for w in c.webhooks if w["id"] != int(m.group(1))]
            return ok({"id": int(m.group(1))})
        m = re.fullmatch(r"/api/v2/(deals|organizations|products|persons)/(\d+)(/products)?", path)
        if m:
            kind, ident, sub = m.group(1), int(m.group(2)), m.group(3)
            table = {"deals": c.deals, "organizations": c.organizations, "products": c.products,
                     "persons": c.persons}[kind]
            if ident not in table:
                return missing
            if sub:
                return ok(c.deal_products.get(ident, []), {"next_cursor": None})
            if method == "PATCH":
                self.patches.append((ident, body))
                table[ident].setdefault("custom_fields", {}).update(body.get("custom_fields") or {})
            return ok(table[ident])
        return missing
