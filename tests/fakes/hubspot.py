"""A fake HubSpot (OAuth + CRM v3) on ``responses``, following the documented payload shapes.

Shapes from shared/reference/crm-contracts.md section 1 (developers.hubspot.com): token responses
with ``hub_id``/``scopes``/``expires_in: 1800``; deals with ``associations``; pipelines with string
stage metadata; 409 for an existing property; 429 ``TEN_SECONDLY_ROLLING`` bodies.
"""
from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlparse

import responses

from app.crm.hubspot.signature import sign_v3

API = "https://api.hubapi.com"
PORTAL_ID = 62515
USER_ID = 864745280
CLIENT_ID = "hs-client-id"
CLIENT_SECRET = "hs-client-secret-" + "s" * 20


def signed_headers(method: str, uri: str, body: bytes, timestamp_ms: int, secret: str = CLIENT_SECRET) -> dict:
    """Headers HubSpot would send (v3), for the test client."""
    ts = str(timestamp_ms)
    return {"X-HubSpot-Signature-v3": sign_v3(secret, method, uri, body, ts), "X-HubSpot-Request-Timestamp": ts,
            "Content-Type": "application/json"}


def default_pipelines() -> dict:
    def stage(sid, label, closed, prob, order):
        return {"id": sid, "label": label, "displayOrder": order, "archived": False,
                "metadata": {"isClosed": "true" if closed else "false", "probability": prob}}
    return {"results": [
        {"id": "default", "label": "Sales Pipeline", "displayOrder": 0, "archived": False, "stages": [
            stage("appointmentscheduled", "Appointment scheduled", False, "0.2", 0),
            stage("contractsent", "Contract sent", False, "0.9", 1),
            stage("closedwon", "Closed won", True, "1.0", 2),
            stage("closedlost", "Closed lost", True, "0.0", 3)]},
        {"id": "98765", "label": "Renewals", "displayOrder": 1, "archived": False, "stages": [
            stage("1234567", "Renewal signed", True, "1.0", 0),
            stage("1234568", "Renewal negotiating", False, "0.5", 1)]},
    ]}


@dataclass
class FakeHubSpot:
    """State of the fake account plus knobs to inject failures."""

    rsps: responses.RequestsMock
    portal_id: int = PORTAL_ID
    deals: dict[str, dict] = field(default_factory=dict)
    line_items: dict[str, dict] = field(default_factory=dict)
    companies: dict[str, dict] = field(default_factory=dict)
    properties: set[str] = field(default_factory=set)
    pipelines: dict = field(default_factory=default_pipelines)
    codes: dict[str, str | None] = field(default_factory=dict)        # code -> PKCE challenge
    access_tokens: set[str] = field(default_factory=set)
    refresh_tokens: set[str] = field(default_factory=set)
    deleted_refresh_tokens: list[str] = field(default_factory=list)
    include_hub_id: bool = True
    failures: list[tuple[str, str, int, dict]] = field(default_factory=list)
    calls: list[tuple[str, str]] = field(default_factory=list)
    patches: list[tuple[str, dict]] = field(default_factory=list)
    #: settings users API: users by id, and the account's teams and roles (id -> name)
    users: dict[str, dict] = field(default_factory=dict)
    teams: dict[str, str] = field(default_factory=dict)
    roles: dict[str, str] = field(default_factory=dict)
    #: company properties the portal has (HubSpot's defaults plus the ERP id property an admin created)
    company_properties: set[str] = field(default_factory=lambda: {"name", "domain", "address", "city", "country",
                                                                  "erp_customer_id"})
    company_patches: list[tuple[str, dict]] = field(default_factory=list)
    _counter: int = 0

    # -- knobs ---------------------------------------------------------------------------
    def fail_next(self, method: str, path_prefix: str, status: int, times: int = 1, headers: dict | None = None):
        for _ in range(times):
            self.failures.append((method, path_prefix, status, headers or {}))

    def approve(self, authorize_url: str) -> tuple[str, str]:
        """The admin clicks "Connect app": returns (code, state) HubSpot would redirect back with."""
        query = parse_qs(urlparse(authorize_url).query)
        self._counter += 1
        code = f"code-{self._counter}"
        self.codes[code] = query.get("code_challenge", [None])[0]
        return code, query["state"][0]

    def add_deal(self, deal_id: str, *, stage="appointmentscheduled", company_id: str | None = None,
                 lines: list[dict] | None = None, amount: str | None = None) -> None:
        line_ids = []
        for n, line in enumerate(lines or []):
            lid = f"{deal_id}{n + 1:02d}"
            self.line_items[lid] = {"id": lid, "properties": {k: (str(v) if v is not None else None)
                                                              for k, v in line.items()}}
            line_ids.append(lid)
        self.deals[deal_id] = {"id": deal_id, "properties": {
            "dealname": f"Deal {deal_id}", "dealstage": stage, "pipeline": "default", "amount": amount,
            "deal_currency_code": "EUR", "erp_order_number": None, "erp_order_status": None,
            "erp_failure_reason": None}, "company_id": company_id, "line_ids": line_ids}

    def add_company(self, company_id: str, name: str, erp_customer_id: str | None = None) -> None:
        self.companies[company_id] = {"id": company_id, "properties": {
            "name": name, "domain": "example.com", "address": "1 Market St", "city": "San Francisco", "country": "US",
            "erp_customer_id": erp_customer_id}}

    def add_user(self, user_id: str, *, role: tuple[str, str] | None = None,
                 teams: tuple[tuple[str, str], ...] = ()) -> None:
        """A user as GET /settings/v3/users/{userId} answers it (``roleIds``, ``roleId``, ``primaryTeamId``,
        ``secondaryTeamIds``, ``superAdmin``:
        https://developers.hubspot.com/docs/api-reference/legacy/account/settings/user-provisioning/users/get-user)."""
        if role is not None:
            self.roles[role[0]] = role[1]
        for team_id, name in teams:
            self.teams[team_id] = name
        self.users[user_id] = {"id": user_id, "email": f"u{user_id}@example.com", "superAdmin": False,
                               "roleIds": [role[0]] if role else [], "roleId": role[0] if role else None,
                               "primaryTeamId": teams[0][0] if teams else None,
                               "secondaryTeamIds": [t for t, _n in teams[1:]]}

    def _settings_users(self, request):
        path = urlparse(request.url).path.removeprefix("/settings/v3/users/")
        if path in ("teams", "roles"):
            names = self.teams if path == "teams" else self.roles
            return 200, {"results": [{"id": i, "name": n} for i, n in names.items()]}
        user = self.users.get(path)
        return (200, user) if user else (404, {"status": "error", "message": "User not found",
                                              "category": "OBJECT_NOT_FOUND"})

    # -- plumbing ------------------------------------------------------------------------
    def install(self) -> FakeHubSpot:
        r = self.rsps
        r.add_callback(responses.POST, f"{API}/oauth/v3/token", callback=self._token)
        r.add_callback(responses.GET, re.compile(rf"{API}/oauth/v1/access-tokens/.+"), callback=self._metadata)
        r.add_callback(responses.DELETE, re.compile(rf"{API}/oauth/v1/refresh-tokens/.+"), callback=self._revoke)
        r.add_callback(responses.POST, f"{API}/crm/v3/properties/deals", callback=self._api(self._create_property))
        r.add_callback(responses.GET, f"{API}/crm/v3/pipelines/deals", callback=self._api(lambda _r: (200, self.pipelines)))
        r.add_callback(responses.GET, re.compile(rf"{API}/crm/v3/objects/deals/\d+/associations/companies"),
                       callback=self._api(self._deal_companies))
        r.add_callback(responses.GET, re.compile(rf"{API}/crm/v3/objects/deals/\d+(\?.*)?$"),
                       callback=self._api(self._get_deal))
        r.add_callback(responses.PATCH, re.compile(rf"{API}/crm/v3/objects/deals/\d+"),
                       callback=self._api(self._patch_deal))
        r.add_callback(responses.POST, f"{API}/crm/v3/objects/deals/search", callback=self._api(self._search_deals))
        r.add_callback(responses.POST, f"{API}/crm/v3/objects/line_items/batch/read",
                       callback=self._api(self._batch_read_lines))
        r.add_callback(responses.GET, re.compile(rf"{API}/crm/v3/objects/companies/\d+"),
                       callback=self._api(lambda req: self._get_record(req, self.companies)))
        r.add_callback(responses.GET, re.compile(rf"{API}/settings/v3/users/\w+$"),
                       callback=self._api(self._settings_users))
        r.add_callback(responses.PATCH, re.compile(rf"{API}/crm/v3/objects/companies/\d+"),
                       callback=self._api(self._patch_company))
        return self

    @staticmethod
    def _reply(status: int, body: dict | None = None, headers: dict | None = None):
        return status, {"Content-Type": "application/json", **(headers or {})}, json.dumps(body or {})

    def _forced(self, request):
        path = urlparse(request.url).path
        for i, (method, prefix, status, headers) in enumerate(self.failures):
            if method == request.method and path.startswith(prefix):
                del self.failures[i]
                body = ({"status": "error", "message": "You have reached your ten_secondly_rolling limit.",
                         "errorType": "RATE_LIMIT", "policyName": "TEN_SECONDLY_ROLLING"} if status == 429
                        else {"status": "error", "message": f"forced {status}"})
                return self._reply(status, body, headers)
        return None

    def _token(self, request):
        forced = self._forced(request)
        if forced:
            return forced
        form = {k: v[0] for k, v in parse_qs(request.body).items()}
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return self._reply(400, {"status": "BAD_CLIENT_ID", "message": "unknown client"})
        if form.get("grant_type") == "authorization_code":
            code = form.get("code", "")
            if code not in self.codes:
                return self._reply(400, {"status": "BAD_AUTH_CODE", "message": "code expired or used"})
            challenge = self.codes.pop(code)
            if challenge is not None:
                digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
                if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != challenge:
                    return self._reply(400, {"status": "BAD_AUTH_CODE", "message": "PKCE verifier mismatch"})
        elif form.get("grant_type") == "refresh_token":
            if form.get("refresh_token") not in self.refresh_tokens:
                return self._reply(400, {"status": "BAD_REFRESH_TOKEN", "message": "missing or invalid refresh token"})
        else:
            return self._reply(400, {"status": "BAD_GRANT_TYPE"})
        self._counter += 1
        access = f"access-{self._counter}-" + "x" * 40
        self.access_tokens.add(access)
        refresh = form.get("refresh_token") or f"na1-refresh-{self._counter}"
        self.refresh_tokens.add(refresh)
        body = {"token_type": "bearer", "access_token": access, "refresh_token": refresh, "expires_in": 1800,
                "scopes": ["oauth", "crm.objects.deals.read"]}
        if self.include_hub_id:
            body["hub_id"] = self.portal_id
        return self._reply(200, body)

    def _metadata(self, request):
        token = urlparse(request.url).path.rsplit("/", 1)[-1]
        if token not in self.access_tokens:
            return self._reply(404, {"status": "error", "message": "token not found"})
        return self._reply(200, {"token": token, "user": "admin@example.com", "hub_domain": "example.hubspot.com",
                                 "scopes": ["oauth"], "hub_id": self.portal_id, "app_id": 54321,
                                 "expires_in": 1700, "user_id": USER_ID, "token_type": "access"})

    def _revoke(self, request):
        self.deleted_refresh_tokens.append(urlparse(request.url).path.rsplit("/", 1)[-1])
        return 204, {}, ""

    def _api(self, handler):
        def callback(request):
            self.calls.append((request.method, urlparse(request.url).path))
            forced = self._forced(request)
            if forced:
                return forced
            auth = request.headers.get("Authorization", "")
            if not auth.startswith("Bearer ") or auth[7:] not in self.access_tokens:
                return self._reply(401, {"status": "error", "message": "Authentication credentials not found",
                                         "category": "INVALID_AUTHENTICATION"})
            status, body = handler(request)
            return self._reply(status, body)
        return callback

    def _create_property(self, request):
        body = json.loads(request.body)
        if not (body.get("type") and body.get("fieldType")):
            return 400, {"status": "error", "message": "type and fieldType are required"}
        if body["name"] in self.properties:
            return 409, {"status": "error", "message": f"Property named '{body['name']}' already exists.",
                         "category": "OBJECT_ALREADY_EXISTS"}
        self.properties.add(body["name"])
        return 201, {"name": body["name"], "label": body["label"], "type": "string", "fieldType": "text"}

    def _deal(self, request) -> dict | None:
        deal_id = re.search(r"/deals/(\d+)", urlparse(request.url).path).group(1)
        return self.deals.get(deal_id)

    def _get_deal(self, request):
        deal = self._deal(request)
        if deal is None:
            return 404, {"status": "error", "message": "resource not found"}
        out = {"id": deal["id"], "properties": dict(deal["properties"]), "archived": False}
        wanted = parse_qs(urlparse(request.url).query).get("associations", [""])[0].split(",")
        assoc = {}
        if "companies" in wanted and deal["company_id"]:
            assoc["companies"] = {"results": [{"id": deal["company_id"], "type": "deal_to_company"}]}
        if "line_items" in wanted and deal["line_ids"]:
            assoc["line items"] = {"results": [{"id": i, "type": "deal_to_line_item"} for i in deal["line_ids"]]}
        if assoc:
            out["associations"] = assoc
        return 200, out

    def _deal_companies(self, request):
        deal = self._deal(request)
        if deal is None:
            return 404, {"status": "error", "message": "resource not found"}
        results = [{"id": deal["company_id"], "type": "deal_to_company"}] if deal["company_id"] else []
        return 200, {"results": results}

    def _patch_deal(self, request):
        deal = self._deal(request)
        if deal is None:
            return 404, {"status": "error", "message": "resource not found"}
        props = json.loads(request.body)["properties"]
        unknown = [k for k in props if k.startswith("erp_") and k not in self.properties]
        if unknown:
            return 400, {"status": "error", "message": f"Property {unknown[0]} does not exist",
                         "category": "VALIDATION_ERROR"}
        deal["properties"].update(props)
        self.patches.append((deal["id"], props))
        return 200, {"id": deal["id"], "properties": deal["properties"], "archived": False}

    def _patch_company(self, request):
        """Company update; an unknown property is refused as HubSpot does (PROPERTY_DOESNT_EXIST)."""
        company = self.companies.get(urlparse(request.url).path.rsplit("/", 1)[-1])
        if company is None:
            return 404, {"status": "error", "message": "resource not found"}
        props = json.loads(request.body)["properties"]
        unknown = [k for k in props if k not in self.company_properties]
        if unknown:
            return 400, {"status": "error", "category": "VALIDATION_ERROR",
                         "message": f"Property values were not valid: Property \"{unknown[0]}\" does not exist",
                         "errors": [{"code": "PROPERTY_DOESNT_EXIST", "message": f"Property \"{unknown[0]}\" does not exist"}]}
        company["properties"].update(props)
        self.company_patches.append((company["id"], props))
        return 200, {"id": company["id"], "properties": company["properties"], "archived": False}

    def _search_deals(self, request):
        """CRM search over deals: ``IN`` / ``GTE`` filters of one filter group, ``limit`` (max 200) and ``after``
        (https://developers.hubspot.com/docs/api/crm/search)."""
        body = json.loads(request.body)
        if body.get("limit", 10) > 200:
            return 400, {"status": "error", "message": "limit must be at most 200"}
        rows = list(self.deals.values())
        for f in body["filterGroups"][0]["filters"]:
            prop = f["propertyName"]
            if f["operator"] == "IN":
                rows = [d for d in rows if d["properties"].get(prop) in f["values"]]
            elif f["operator"] == "GTE":
                rows = [d for d in rows if int(d["properties"].get(prop) or 10**15) >= int(f["value"])]
        start, limit = int(body.get("after") or 0), body.get("limit", 10)
        page = rows[start:start + limit]
        out = {"total": len(rows), "results": [{"id": d["id"], "properties": {
            p: d["properties"].get(p) for p in body.get("properties", [])}} for d in page]}
        if start + limit < len(rows):
            out["paging"] = {"next": {"after": str(start + limit)}}
        return 200, out

    def _batch_read_lines(self, request):
        body = json.loads(request.body)
        if len(body.get("inputs", [])) > 100:
            return 400, {"status": "error", "message": "Batch input limit is 100"}
        found = [self.line_items[i["id"]] for i in body["inputs"] if i["id"] in self.line_items]
        return 200, {"status": "COMPLETE", "results": list(reversed(found))}    # order is not guaranteed

    def _get_record(self, request, store: dict):
        record_id = urlparse(request.url).path.rsplit("/", 1)[-1]
        record = store.get(record_id)
        return (200, record) if record else (404, {"status": "error", "message": "resource not found"})
