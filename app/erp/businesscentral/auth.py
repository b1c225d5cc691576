"""Microsoft Entra client credentials for Business Central, through msal.

Service-to-service auth: an app registration with the application permission
``API.ReadWrite.All`` on "Dynamics 365 Business Central", registered in BC's "Microsoft Entra
Applications" page with permission sets
(https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/automation-apis-using-s2s-authentication).
Tokens come from msal's ``acquire_token_for_client`` with the scope
``https://api.businesscentral.dynamics.com/.default``; msal caches them until expiry.
msal makes its HTTP calls (tenant discovery, token endpoint) through ``MsalHttpClient``, i.e.
through erp-panel's VendorHTTP with its timeout and error typing (msal's ``http_client`` hook:
https://learn.microsoft.com/en-us/python/api/msal/msal.application.clientapplication).
"""
from __future__ import annotations

import threading
from typing import Any

import msal
import requests

from app.errors import ERP, UpstreamAuthFailed, UpstreamError, UpstreamMisconfigured
from app.net.vendor import VendorTable
from app.net.vendor_http import VendorHTTP

AUTHORITY_HOST = "https://login.microsoftonline.com"
SCOPE = "https://api.businesscentral.dynamics.com/.default"


#: Microsoft Entra (login) answers: the status decides; msal reads OAuth error bodies itself
ENTRA = VendorTable("Microsoft Entra", ERP)


class MsalHttpClient:
    """msal's HttpClient interface (``get``/``post`` returning requests-like responses) over VendorHTTP."""

    def __init__(self, http: VendorHTTP):
        self.http = http

    def get(self, url: str, params: dict | None = None, headers: dict | None = None, **_: Any) -> requests.Response:
        return self.http.send_raw("GET", url, params=params, headers=headers)

    def post(self, url: str, params: dict | None = None, data: Any = None, headers: dict | None = None,
             **_: Any) -> requests.Response:
        return self.http.send_raw("POST", url, params=params, data=data, headers=headers)

    def close(self) -> None:
        self.http.close()


def _error(result: dict[str, Any]) -> UpstreamError:
    """An msal error result (``error``, ``error_description`` with an AADSTS code) as a typed error."""
    code = str(result.get("error") or "unknown_error")
    text = str(result.get("error_description") or code).split("\r\n")[0].split(" Trace ID:")[0]
    if "AADSTS90002" in text or "AADSTS900023" in text:
        return UpstreamMisconfigured(f"Microsoft Entra does not know this tenant: {text}", side=ERP,
                                     reason="wrong_tenant", vendor_code=code)
    return UpstreamAuthFailed(f"Microsoft Entra refused the app credentials: {text}", side=ERP, vendor_code=code)


class EntraTokens:
    """Client-credential tokens for one app registration and tenant (msal app built on first use)."""

    def __init__(self, http: VendorHTTP, *, tenant_id: str, client_id: str, client_secret: str):
        self.http_client = MsalHttpClient(http)
        self.tenant_id, self.client_id, self.client_secret = tenant_id, client_id, client_secret
        self._app: msal.ConfidentialClientApplication | None = None
        self._lock = threading.Lock()

    def _application(self) -> msal.ConfidentialClientApplication:
        # built lazily: msal discovers the tenant's endpoints in its constructor (network I/O)
        if self._app is None:
            try:
                self._app = msal.ConfidentialClientApplication(
                    self.client_id, client_credential=self.client_secret,
                    authority=f"{AUTHORITY_HOST}/{self.tenant_id}", http_client=self.http_client,
                    token_cache=msal.TokenCache(),
                    # the authority is the public cloud's own host: no instance discovery round trip
                    instance_discovery=False)
            except ValueError as exc:     # msal's "Unable to get authority configuration"
                raise UpstreamMisconfigured(f"Microsoft Entra does not know the tenant '{self.tenant_id}' ({exc})", side=ERP,
                                    reason="wrong_tenant") from None
        return self._app

    def token(self) -> tuple[str, bool]:
        with self._lock:
            result = self._application().acquire_token_for_client(scopes=[SCOPE])
        if "access_token" not in result:
            raise _error(result)
        return str(result["access_token"]), result.get("token_source") != "cache"

    def invalidate(self) -> None:
        with self._lock:
            if self._app is not None:
                self._app.remove_tokens_for_client()

    def close(self) -> None:
        self.http_client.close()
