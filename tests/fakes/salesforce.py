"""A fake Salesforce org (OAuth endpoints + REST API) on ``responses``, following Salesforce's documentation.

* OAuth web server flow with PKCE (https://help.salesforce.com/s/articleView?id=xcloud.remoteaccess_oauth_web_server_flow.htm):
  authorize at login.salesforce.com / test.salesforce.com, token answers with ``instance_url``, ``id``
  (identity URL), ``issued_at`` (ms), ``signature`` (base64 HMAC-SHA256 of id + issued_at), no
  ``expires_in``; refresh at the org's My Domain answers without a new refresh token; revoke with a
  form ``token`` (200; 400 ``invalid_token``,
  https://developer.salesforce.com/docs/platform/mobile-sdk/guide/oauth-revoking-tokens.html).
* REST (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/): sObject GET/PATCH
  (PATCH answers 204 with no body), SOQL ``/query`` with nested relationship records, errors as
  ``[{"message", "errorCode"}]`` (401 INVALID_SESSION_ID, 404 NOT_FOUND, 400 INVALID_FIELD "No such
  column", 403 REQUEST_LIMIT_EXCEEDED), and ``Sforce-Limit-Info: api-usage=<used>/<limit>`` on every answer
  (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/headers_api_usage.htm).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlparse

import responses

from tests.fakes.salesforce_messages import CONSUMER_SECRET, INSTANCE, ORG_ID, USER_ID

CLIENT_ID = "3MVG9sf-consumer-key"
LOGINS = ("https://login.salesforce.com", "https://test.salesforce.com")
DATA = f"{INSTANCE}/services/data/v62.0"


def _error(status: int, code: str, message: str):
    return status, [{"message": message, "errorCode": code}]


@dataclass
class FakeSalesforce:
    """One org; records by object type and id; knobs for failures and the API budget."""

    rsps: responses.RequestsMock
    records: dict[str, dict[str, dict]] = field(default_factory=lambda: {"Opportunity": {}, "Account": {},
                                                                         "OpportunityLineItem": {}})
    fields: dict[str, set[str]] = field(default_factory=lambda: {
        "Opportunity": {"ERP_Order_Number__c", "ERP_Order_Status__c", "ERP_Order_Problem__c", "ERP_Delivery_Status__c",
                        "ERP_Invoice_Status__c"},
        "Account": {"ERP_Customer_Id__c"}})
    #: code -> (login host, PKCE challenge, redirect_uri) of the authorize request
    codes: dict[str, tuple[str, str | None, str]] = field(default_factory=dict)
    access_tokens: set[str] = field(default_factory=set)
    refresh_tokens: set[str] = field(default_factory=set)
    revoked: list[str] = field(default_factory=list)
    api_usage: tuple[int, int] = (120, 15000)
    customize_application: bool = True
    #: a man in the middle swaps the identity URL after Salesforce signed it
    tamper_identity: bool = False
    failures: list[tuple[str, str, int, str]] = field(default_factory=list)
    calls: list[tuple[str, str]] = field(default_factory=list)
    patches: list[tuple[str, dict]] = field(default_factory=list)
    _counter: int = 0

    # -- knobs -------------------------------------------------------------------------------
    def fail_next(self, method: str, path_part: str, status: int, code: str = "REQUEST_LIMIT_EXCEEDED",
                  times: int = 1) -> None:
        self.failures += [(method, path_part, status, code)] * times

    def approve(self, authorize_url: str) -> tuple[str, str]:
        """The admin logs in and allows access: (code, state) Salesforce redirects back with."""
        parsed = urlparse(authorize_url)
        query = parse_qs(parsed.query)
        assert query["response_type"] == ["code"] and query["client_id"] == [CLIENT_ID]
        self._counter += 1
        code = f"aPrx{self._counter}code"
        self.codes[code] = (f"{parsed.scheme}://{parsed.netloc}", query.get("code_challenge", [None])[0],
                            query["redirect_uri"][0])
        return code, query["state"][0]

    def add_account(self, account_id: str, name: str, erp_customer_id: str | None = None) -> None:
        self.records["Account"][account_id] = {"Id": account_id, "Name": name, "ERP_Customer_Id__c": erp_customer_id}

    def add_opportunity(self, opp_id: str, account_id: str | None, *, won: bool = True,
                        lines: list[dict] | None = None, amount: float | None = None) -> None:
        self.records["Opportunity"][opp_id] = {
            "Id": opp_id, "Name": f"Opportunity {opp_id[-4:]}", "StageName": "Closed Won" if won else "Prospecting",
            "IsWon": won, "IsClosed": won, "Amount": amount, "AccountId": account_id, "CloseDate": "2026-11-30",
            "ERP_Order_Number__c": None, "ERP_Order_Status__c": None, "ERP_Order_Problem__c": None}
        for n, line in enumerate(lines or []):
            line_id = f"00k5e00000{opp_id[-4:]}{n:03d}AAA"
            self.records["OpportunityLineItem"][line_id] = {
                "Id": line_id, "OpportunityId": opp_id, "Name": line["name"], "Quantity": line["quantity"],
                "UnitPrice": line["price"], "Discount": line.get("discount"), "SortOrder": n,
                "Product2": {"attributes": {"type": "Product2"}, "ProductCode": line.get("code"), "Name": line["name"]}}

    # -- plumbing ----------------------------------------------------------------------------
    def install(self) -> FakeSalesforce:
        r = self.rsps
        for host in (*LOGINS, INSTANCE):
            r.add_callback(responses.POST, f"{host}/services/oauth2/token", callback=self._token)
        r.add_callback(responses.POST, f"{INSTANCE}/services/oauth2/revoke", callback=self._revoke)
        r.add_callback(responses.GET, re.compile(rf"{DATA}/query"), callback=self._api(self._query))
        r.add_callback(responses.GET, re.compile(rf"{DATA}/sobjects/\w+/\w+"), callback=self._api(self._get))
        r.add_callback(responses.PATCH, re.compile(rf"{DATA}/sobjects/\w+/\w+"), callback=self._api(self._patch))
        return self

    def _reply(self, status: int, body=None, *, api: bool = False):
        headers = {"Content-Type": "application/json;charset=UTF-8"}
        if api:
            headers["Sforce-Limit-Info"] = f"api-usage={self.api_usage[0]}/{self.api_usage[1]}"
        return status, headers, "" if body is None else json.dumps(body)

    def _token(self, request):
        form = {k: v[0] for k, v in parse_qs(request.body).items()}
        host = "{0.scheme}://{0.netloc}".format(urlparse(request.url))
        if form.get("client_id") != CLIENT_ID or (form.get("client_secret") not in (None, CONSUMER_SECRET)):
            return self._reply(400, {"error": "invalid_client_id", "error_description": "client identifier invalid"})
        if form.get("grant_type") == "authorization_code":
            login, challenge, redirect_uri = self.codes.pop(form.get("code", ""), ("", None, ""))
            if login != host or form.get("redirect_uri") != redirect_uri:
                return self._reply(400, {"error": "invalid_grant", "error_description": "invalid authorization code"})
            verifier = form.get("code_verifier", "").encode()
            if challenge != base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=").decode():
                return self._reply(400, {"error": "invalid_grant", "error_description": "invalid code verifier"})
        elif form.get("grant_type") == "refresh_token":
            if host != INSTANCE or form.get("refresh_token") not in self.refresh_tokens:
                return self._reply(400, {"error": "invalid_grant", "error_description": "expired access/refresh token"})
        else:
            return self._reply(400, {"error": "unsupported_grant_type"})
        self._counter += 1
        access = f"00D5e000000AbCd!AR{self._counter}." + "t" * 40
        self.access_tokens.add(access)
        identity_url = f"{LOGINS[0]}/id/{ORG_ID}/{USER_ID}"
        issued_at = str(1_790_000_000_000 + self._counter)
        signature = base64.b64encode(hmac.new(CONSUMER_SECRET.encode(), (identity_url + issued_at).encode(),
                                              hashlib.sha256).digest()).decode()
        if self.tamper_identity:
            identity_url = identity_url.replace(ORG_ID, "00D5e000000ZzZzEAK")
        body = {"access_token": access, "instance_url": INSTANCE, "id": identity_url, "token_type": "Bearer",
                "issued_at": issued_at, "signature": signature, "scope": "api refresh_token"}
        if form["grant_type"] == "authorization_code":
            body["refresh_token"] = f"5Aep861refresh{self._counter}"
            self.refresh_tokens.add(body["refresh_token"])
        return self._reply(200, body)

    def _revoke(self, request):
        token = parse_qs(request.body).get("token", [""])[0]
        if token not in self.refresh_tokens:
            return self._reply(400, {"error": "invalid_token", "error_description": "invalid token"})
        self.refresh_tokens.discard(token)
        self.revoked.append(token)
        return self._reply(200)

    def _api(self, handler):
        def callback(request):
            path = urlparse(request.url).path
            self.calls.append((request.method, path))
            auth = request.headers.get("Authorization", "")
            if not auth.startswith("Bearer ") or auth[7:] not in self.access_tokens:
                return self._reply(*_error(401, "INVALID_SESSION_ID", "Session expired or invalid"), api=True)
            for i, (method, part, status, code) in enumerate(self.failures):
                if method == request.method and part in request.url:
                    del self.failures[i]
                    return self._reply(*_error(status, code, "TotalRequests Limit exceeded."), api=True)
            status, body = handler(request)
            return self._reply(status, body, api=True)
        return callback

    def _target(self, request) -> tuple[str, str]:
        kind, record_id = urlparse(request.url).path.split("/")[-2:]
        return kind, record_id

    def _get(self, request):
        kind, record_id = self._target(request)
        record = self.records.get(kind, {}).get(record_id)
        if record is None:
            return _error(404, "NOT_FOUND", "The requested resource does not exist")
        return 200, {"attributes": {"type": kind, "url": urlparse(request.url).path}, **record}

    def _patch(self, request):
        kind, record_id = self._target(request)
        record = self.records.get(kind, {}).get(record_id)
        if record is None:
            return _error(404, "NOT_FOUND", "The requested resource does not exist")
        body = json.loads(request.body)
        unknown = [k for k in body if k.endswith("__c") and k not in self.fields.get(kind, set())]
        if unknown:
            return _error(400, "INVALID_FIELD", f"No such column '{unknown[0]}' on sobject of type {kind}")
        record.update(body)
        self.patches.append((record_id, body))
        return 204, None

    def _query(self, request):
        soql = parse_qs(urlparse(request.url).query)["q"][0]
        where = re.search(r"WHERE (\w+) = '(\w+)'", soql)
        if "FROM Organization" in soql:
            rows = [{"Id": ORG_ID, "Name": "Acme", "DefaultCurrencyIsoCode": "EUR", "IsSandbox": False}]
        elif "FROM User" in soql and where:
            rows = [{"Id": where.group(2), "Profile": {"PermissionsCustomizeApplication": self.customize_application}}]
        elif "FROM OpportunityLineItem" in soql and where:
            rows = sorted((r for r in self.records["OpportunityLineItem"].values()
                           if r["OpportunityId"] == where.group(2)), key=lambda r: r["SortOrder"])
        elif "FROM Opportunity WHERE IsWon = true AND SystemModstamp >= " in soql:
            rows = [{"Id": r["Id"], "Name": r["Name"], "Amount": r["Amount"]}
                    for r in self.records["Opportunity"].values() if r["IsWon"]]
        else:
            return _error(400, "MALFORMED_QUERY", "unexpected query in the fake")
        return 200, {"totalSize": len(rows), "done": True, "records": rows}
