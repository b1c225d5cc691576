"""Business Central connector (API v2.0).

Its ``CONNECTOR`` (name "businesscentral", factory, settings form), listed in app.erp.registry.
"""
from __future__ import annotations

import re

from app.erp.base import ConnectorContext, ConnectorSpec, SettingField
from app.erp.businesscentral.auth import AUTHORITY_HOST, ENTRA, EntraTokens
from app.erp.businesscentral.client import API_HOST, BUSINESS_CENTRAL, PAGE_SIZE, BCClient
from app.erp.businesscentral.connector import BusinessCentralConnector
from app.erp.http import erp_http
from app.erp.limits import ConcurrencyGate
from app.erp.tokens import BearerAuth
from app.errors import ERP, UpstreamMisconfigured
from app.tenants.model import ERPConnectionSettings

__all__ = ["BusinessCentralConnector", "build_businesscentral"]
#: BC processes at most 5 OData requests of an environment at once and queues the rest
#: (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/operational-limits-online)
DEFAULT_CONCURRENCY = 5
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_NAME = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def build_businesscentral(conn: ERPConnectionSettings, ctx: ConnectorContext) -> BusinessCentralConnector:
    config, secrets = conn.config, conn.secrets
    tenant, environment = str(config.get("tenant_id") or "").strip(), str(config.get("environment") or "").strip()
    company, client_id = str(config.get("company_id") or "").strip(), str(config.get("client_id") or "").strip()
    secret = str(secrets.get("client_secret") or "")
    missing = [n for n, v in (("tenant_id", tenant), ("environment", environment), ("company_id", company),
                              ("client_id", client_id), ("client_secret", secret)) if not v]
    if missing:
        raise UpstreamMisconfigured(f"Business Central settings are incomplete: {', '.join(missing)}", side=ERP)
    if not _GUID.match(company) or not _NAME.match(tenant) or not _NAME.match(environment):
        raise UpstreamMisconfigured("Business Central: the company id must be a GUID, tenant and environment plain names "
                            "(e.g. contoso.onmicrosoft.com, production)", side=ERP)
    login = erp_http(AUTHORITY_HOST, ctx, ENTRA, secrets=(secret,))
    tokens = EntraTokens(login, tenant_id=tenant, client_id=client_id, client_secret=secret)
    http = erp_http(f"{API_HOST}/v2.0/{tenant}/{environment}/api/v2.0", ctx, BUSINESS_CENTRAL, secrets=(secret,))
    http.set_auth(BearerAuth(tokens))
    gate = ConcurrencyGate(f"businesscentral:{tenant}/{environment}",
                           int(config.get("max_concurrency") or DEFAULT_CONCURRENCY),
                           vendor="Business Central", wait=ctx.timeout)
    client = BCClient(http, company_id=company, tokens=tokens, gate=gate,
                      page_size=int(config.get("page_size") or PAGE_SIZE))
    return BusinessCentralConnector(client, clock=ctx.clock, tenant_id=tenant, environment=environment)


CONNECTOR = ConnectorSpec(
    "businesscentral", build_businesscentral, label="Microsoft Dynamics 365 Business Central (API v2.0)",
    fields=(
        SettingField("tenant_id", "Tenant", help="Microsoft Entra tenant id (GUID) or domain, "
                              "e.g. contoso.onmicrosoft.com"),
        SettingField("environment", "Environment", default="production",
                              help="Environment name from the Business Central admin center, e.g. production"),
        SettingField("company_id", "Company id", help="GUID from GET .../api/v2.0/companies"),
        SettingField("client_id", "Application (client) id",
                              help="App registration with the application permission API.ReadWrite.All"),
        SettingField("client_secret", "Client secret", secret=True,
                              help="Secret value (not its id) of the app registration; secrets expire"),
    ),
    permissions_help=("In Microsoft Entra: an app registration with the application permission "
                      "Dynamics 365 Business Central > API.ReadWrite.All and admin consent. In Business Central: "
                      "the 'Microsoft Entra Applications' page, a card with the client id, State Enabled, permission "
                      "sets covering read access to customers, items, sales invoices, currencies, exchange rates and "
                      "G/L setup plus creating sales orders (e.g. D365 BUS FULL ACCESS; SUPER is not allowed), "
                      "then Grant Consent."),
    max_concurrent_requests=BusinessCentralConnector.max_concurrent_requests,
)
