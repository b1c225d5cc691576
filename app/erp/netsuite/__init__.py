"""NetSuite connector (SuiteTalk REST + SuiteQL); importing this package registers it as "netsuite"."""
from __future__ import annotations

from app.erp import registry
from app.erp.base import ERPFatalError
from app.erp.http import ERPHttp, http_options
from app.erp.limits import ConcurrencyGate
from app.erp.netsuite.auth import M2MTokens, TBASigner, describe_token_error, normalise_account, rest_base_url
from app.erp.netsuite.client import PAGE_SIZE, SuiteTalkClient, describe_netsuite_error
from app.erp.netsuite.connector import NetSuiteConnector
from app.erp.tokens import BearerAuth
from app.tenants.model import ERPConnectionSettings

__all__ = ["NetSuiteConnector", "build_netsuite"]
AUTH_METHODS = ("m2m", "tba")
#: below the smallest account limit Oracle documents (5 on the shared tier without SuiteCloud Plus)
DEFAULT_CONCURRENCY = 4


def _missing(values: dict[str, object]) -> list[str]:
    return [name for name, value in values.items() if not value]


def build_netsuite(conn: ERPConnectionSettings, ctx: registry.ConnectorContext) -> NetSuiteConnector:
    """Connector from the tenant's settings: M2M (certificate-signed JWT) or TBA (OAuth 1.0a)."""
    config, secrets = conn.config, conn.secrets
    account = normalise_account(str(config.get("account_id") or ""))
    method = str(config.get("auth_method") or "m2m").lower()
    if method not in AUTH_METHODS:
        raise ERPFatalError("NetSuite authentication must be m2m or tba", reason="erp_not_configured")
    options = http_options(ctx)
    base = rest_base_url(account)
    if method == "m2m":
        needed = {"client_id": config.get("client_id"), "certificate_id": config.get("certificate_id"),
                  "private_key": secrets.get("private_key")}
    else:
        needed = {name: secrets.get(name) for name in ("consumer_key", "consumer_secret", "token_id", "token_secret")}
    if _missing(needed):
        raise ERPFatalError(f"NetSuite settings are incomplete: {', '.join(_missing(needed))}",
                            reason="erp_not_configured")
    secret_values = tuple(str(v) for v in secrets.values())
    http = ERPHttp(base, vendor="NetSuite", secrets=secret_values, describe_error=describe_netsuite_error, **options)
    tokens = None
    if method == "m2m":
        token_http = ERPHttp(base, vendor="NetSuite", secrets=secret_values, describe_error=describe_token_error,
                             **options)
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
                           vendor="NetSuite", wait=options["timeout"])
    client = SuiteTalkClient(http, tokens=tokens, gate=gate, page_size=int(config.get("page_size") or PAGE_SIZE))
    stock_locations = [x.strip() for x in str(config.get("stock_location_ids") or "").split(",") if x.strip()]
    return NetSuiteConnector(client, clock=ctx.clock, account=account, auth_method=method,
                             subsidiary_id=str(config.get("subsidiary_id") or ""),
                             location_id=str(config.get("location_id") or ""), stock_locations=stock_locations)


registry.register(
    "netsuite", build_netsuite, label="Oracle NetSuite (SuiteTalk REST)",
    fields=(
        registry.SettingField("account_id", "Account id", help="Setup > Company > Company Information, e.g. "
                              "1234567 or 1234567_SB1 for a sandbox"),
        registry.SettingField("auth_method", "Authentication", required=False, default="m2m",
                              help="m2m (OAuth 2.0 client credentials, recommended) or tba (token-based, "
                                   "no new TBA integrations from NetSuite 2027.1)"),
        registry.SettingField("client_id", "Client id (M2M)", required=False,
                              help="Client ID of the integration record (shown once when it is saved)"),
        registry.SettingField("certificate_id", "Certificate id (M2M)", required=False,
                              help="Setup > Integration > OAuth 2.0 Client Credentials (M2M) Setup"),
        registry.SettingField("private_key", "Private key (M2M)", secret=True, required=False, multiline=True,
                              help="PEM private key of the mapped certificate (RSA 3072+ for PS256, or EC P-256)"),
        registry.SettingField("algorithm", "Signing algorithm (M2M)", required=False,
                              help="Empty = PS256 for RSA keys, ES256 for EC keys"),
        registry.SettingField("consumer_key", "Consumer key (TBA)", secret=True, required=False),
        registry.SettingField("consumer_secret", "Consumer secret (TBA)", secret=True, required=False),
        registry.SettingField("token_id", "Token id (TBA)", secret=True, required=False),
        registry.SettingField("token_secret", "Token secret (TBA)", secret=True, required=False),
        registry.SettingField("subsidiary_id", "Subsidiary id", required=False,
                              help="Internal id for new orders (OneWorld); empty = the customer's subsidiary"),
        registry.SettingField("location_id", "Order location id", required=False,
                              help="Internal id of the location new orders ship from; empty = none"),
        registry.SettingField("stock_location_ids", "Stock locations", required=False,
                              help="Comma-separated location internal ids shown in the panel; empty = all"),
    ),
    permissions_help=("Enable the REST Web Services feature (and OAuth 2.0 for M2M, or Token-Based Authentication "
                      "for TBA). Give the integration role: REST Web Services (Full), Log in using OAuth 2.0 Access "
                      "Tokens (M2M) or Log in using Access Tokens (TBA), SuiteAnalytics Workbook (SuiteQL), "
                      "Lists > Customers, Items, Locations, Currency (View), Transactions > Invoice (View), "
                      "Sales Order (Create), Find Transaction."),
    max_concurrent_requests=NetSuiteConnector.max_concurrent_requests,
)
