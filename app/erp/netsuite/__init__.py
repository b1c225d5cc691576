"""NetSuite connector (SuiteTalk REST + SuiteQL).

Its ``CONNECTOR`` (name "netsuite", factory, settings form), listed in app.erp.registry.
"""
from __future__ import annotations

from app.erp.base import ConnectorContext, ConnectorSpec, SettingField
from app.erp.http import erp_http
from app.erp.limits import ConcurrencyGate
from app.erp.netsuite.auth import NETSUITE_TOKENS, M2MTokens, TBASigner, normalise_account, rest_base_url
from app.erp.netsuite.client import NETSUITE, PAGE_SIZE, SuiteTalkClient
from app.erp.netsuite.connector import NetSuiteConnector
from app.erp.tokens import BearerAuth
from app.errors import ERP, UpstreamMisconfigured
from app.tenants.model import ERPConnectionSettings

__all__ = ["NetSuiteConnector", "build_netsuite"]
AUTH_METHODS = ("m2m", "tba")
#: below the smallest account limit Oracle documents (5 on the shared tier without SuiteCloud Plus)
DEFAULT_CONCURRENCY = 4


def _missing(values: dict[str, object]) -> list[str]:
    return [name for name, value in values.items() if not value]


def build_netsuite(conn: ERPConnectionSettings, ctx: ConnectorContext) -> NetSuiteConnector:
    """Connector from the tenant's settings: M2M (certificate-signed JWT) or TBA (OAuth 1.0a)."""
    config, secrets = conn.config, conn.secrets
    account = normalise_account(str(config.get("account_id") or ""))
    method = str(config.get("auth_method") or "m2m").lower()
    if method not in AUTH_METHODS:
        raise UpstreamMisconfigured("NetSuite authentication must be m2m or tba", side=ERP)
    base = rest_base_url(account)
    if method == "m2m":
        needed = {"client_id": config.get("client_id"), "certificate_id": config.get("certificate_id"),
                  "private_key": secrets.get("private_key")}
    else:
        needed = {name: secrets.get(name) for name in ("consumer_key", "consumer_secret", "token_id", "token_secret")}
    if _missing(needed):
        raise UpstreamMisconfigured(f"NetSuite settings are incomplete: {', '.join(_missing(needed))}", side=ERP)
    secret_values = tuple(str(v) for v in secrets.values())
    http = erp_http(base, ctx, NETSUITE, secrets=secret_values)
    tokens = None
    if method == "m2m":
        token_http = erp_http(base, ctx, NETSUITE_TOKENS, secrets=secret_values)
        tokens = M2MTokens(token_http, client_id=str(config["client_id"]), certificate_id=str(config["certificate_id"]),
                           private_key=str(secrets["private_key"]), algorithm=str(config.get("algorithm") or ""),
                           clock=ctx.clock)
        http.set_auth(BearerAuth(tokens))
    else:
        http.set_auth(TBASigner(account=account, consumer_key=str(secrets["consumer_key"]),
                                consumer_secret=str(secrets["consumer_secret"]),
                                token_id=str(secrets["token_id"]), token_secret=str(secrets["token_secret"]),
                                clock=ctx.clock))
    gate = ConcurrencyGate(f"netsuite:{account}", int(config.get("max_concurrency") or DEFAULT_CONCURRENCY),
                           vendor="NetSuite", wait=ctx.timeout)
    client = SuiteTalkClient(http, tokens=tokens, gate=gate, page_size=int(config.get("page_size") or PAGE_SIZE))
    stock_locations = [x.strip() for x in str(config.get("stock_location_ids") or "").split(",") if x.strip()]
    return NetSuiteConnector(client, clock=ctx.clock, account=account, auth_method=method,
                             subsidiary_id=str(config.get("subsidiary_id") or ""),
                             location_id=str(config.get("location_id") or ""), stock_locations=stock_locations)


CONNECTOR = ConnectorSpec(
    "netsuite", build_netsuite, label="Oracle NetSuite (SuiteTalk REST)",
    fields=(
        SettingField("account_id", "Account id", help="Setup > Company > Company Information, e.g. "
                              "1234567 or 1234567_SB1 for a sandbox"),
        SettingField("auth_method", "Authentication", required=False, default="m2m",
                              help="m2m (OAuth 2.0 client credentials, recommended) or tba (token-based, "
                                   "no new TBA integrations from NetSuite 2027.1)"),
        SettingField("client_id", "Client id (M2M)", required=False,
                              help="Client ID of the integration record (shown once when it is saved)"),
        SettingField("certificate_id", "Certificate id (M2M)", required=False,
                              help="Setup > Integration > OAuth 2.0 Client Credentials (M2M) Setup"),
        SettingField("private_key", "Private key (M2M)", secret=True, required=False, multiline=True,
                              help="PEM private key of the mapped certificate (RSA 3072+ for PS256, or EC P-256)"),
        SettingField("algorithm", "Signing algorithm (M2M)", required=False,
                              help="Empty = PS256 for RSA keys, ES256 for EC keys"),
        SettingField("consumer_key", "Consumer key (TBA)", secret=True, required=False),
        SettingField("consumer_secret", "Consumer secret (TBA)", secret=True, required=False),
        SettingField("token_id", "Token id (TBA)", secret=True, required=False),
        SettingField("token_secret", "Token secret (TBA)", secret=True, required=False),
        SettingField("subsidiary_id", "Subsidiary id", required=False,
                              help="Internal id for new orders (OneWorld); empty = the customer's subsidiary"),
        SettingField("location_id", "Order location id", required=False,
                              help="Internal id of the location new orders ship from; empty = none"),
        SettingField("stock_location_ids", "Stock locations", required=False,
                              help="Comma-separated location internal ids shown in the panel; empty = all"),
    ),
    permissions_help=("Enable the REST Web Services feature (and OAuth 2.0 for M2M, or Token-Based Authentication "
                      "for TBA). Give the integration role: REST Web Services (Full), Log in using OAuth 2.0 Access "
                      "Tokens (M2M) or Log in using Access Tokens (TBA), SuiteAnalytics Workbook (SuiteQL), "
                      "Lists > Customers, Items, Locations, Currency (View), Transactions > Invoice (View), "
                      "Sales Order (Create), Find Transaction."),
    max_concurrent_requests=NetSuiteConnector.max_concurrent_requests,
)
