"""Odoo connector.

Its ``CONNECTOR`` (name "odoo", factory, settings form), listed in app.erp.registry.
"""
from __future__ import annotations

from app.erp.base import ConnectorContext, ConnectorSpec, SettingField
from app.erp.http import erp_http
from app.erp.odoo.connector import DEFAULT_PAGE_SIZE, OdooConnector
from app.erp.odoo.transport import (
    ODOO_JSON2,
    ODOO_JSONRPC,
    AutoTransport,
    Json2Transport,
    JsonRpcTransport,
    OdooTransport,
)
from app.errors import ERP, UpstreamMisconfigured
from app.tenants.model import ERPConnectionSettings

__all__ = ["OdooConnector", "build_odoo"]
FLAVOURS = ("json2", "jsonrpc", "auto")


def _int(value: object) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() else None


def build_transport(conn: ERPConnectionSettings, ctx: ConnectorContext) -> OdooTransport:
    """JSON-2 (bearer key), JSON-RPC (db + login + key) or auto-detect, from the settings."""
    config, secrets = conn.config, conn.secrets
    flavour = str(config.get("api_flavour") or "auto").lower()
    if flavour not in FLAVOURS:
        raise UpstreamMisconfigured(f"Odoo API flavour must be one of {', '.join(FLAVOURS)}", side=ERP)
    url, key = str(config.get("url") or ""), secrets.get("api_key") or ""
    database, login = str(config.get("database") or ""), str(config.get("login") or "")
    missing = [name for name, value in (("url", url), ("api_key", key)) if not value]
    if flavour == "jsonrpc":
        missing += [name for name, value in (("database", database), ("login", login)) if not value]
    if missing:
        raise UpstreamMisconfigured(f"Odoo settings are incomplete: {', '.join(missing)}", side=ERP)
    headers = {"Authorization": f"bearer {key}"}
    if database:
        headers["X-Odoo-Database"] = database       # needed when dbfilter cannot pick the database
    json2 = Json2Transport(erp_http(url, ctx, ODOO_JSON2, headers=headers, secrets=(key,)))
    if flavour == "json2":
        return json2
    rpc = None
    if database and login:      # always so for jsonrpc (checked above)
        rpc = JsonRpcTransport(erp_http(url, ctx, ODOO_JSONRPC, secrets=(key,)), database=database, login=login,
                               api_key=key)
    if flavour == "jsonrpc" and rpc is not None:
        json2.close()
        return rpc
    return AutoTransport(json2, rpc)


def build_odoo(conn: ERPConnectionSettings, ctx: ConnectorContext) -> OdooConnector:
    config = conn.config
    return OdooConnector(build_transport(conn, ctx), clock=ctx.clock, company_id=_int(config.get("company_id")),
                         warehouse_id=_int(config.get("warehouse_id")), pricelist_id=_int(config.get("pricelist_id")),
                         page_size=int(config.get("page_size") or DEFAULT_PAGE_SIZE))


CONNECTOR = ConnectorSpec(
    "odoo", build_odoo, label="Odoo (16+; JSON-2 on 19+, JSON-RPC before)",
    fields=(
        SettingField("url", "Server URL", help="e.g. https://mycompany.odoo.com", url=True),
        SettingField("database", "Database", required=False,
                              help="Required for JSON-RPC; sent as X-Odoo-Database for JSON-2"),
        SettingField("api_key", "API key", secret=True,
                              help="Preferences > Account Security > New API Key (expires after at most 3 months)"),
        SettingField("login", "Login (JSON-RPC)", required=False,
                              help="The API user's login; only used over JSON-RPC (Odoo 18 and older)"),
        SettingField("api_flavour", "API", required=False, default="auto",
                              help="json2 (Odoo 19+), jsonrpc (older), or auto (try JSON-2, fall back)"),
        SettingField("company_id", "Company id", required=False, help="Numeric res.company id; empty = user default"),
        SettingField("warehouse_id", "Warehouse id", required=False,
                              help="Numeric stock.warehouse id for stock and orders; empty = all warehouses"),
        SettingField("pricelist_id", "Pricelist id", required=False,
                              help="Numeric product.pricelist id; empty = each customer's own pricelist"),
    ),
    permissions_help=("Use a dedicated Odoo user with: Sales / User (own documents is not enough: All Documents), "
                      "Inventory / User, and Invoicing / Billing or Accounting read-only (partner credit fields "
                      "are restricted to account.group_account_invoice / group_account_readonly)."),
    max_concurrent_requests=OdooConnector.max_concurrent_requests)
