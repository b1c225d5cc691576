"""ERPNext/Frappe connector; importing this package registers it as "erpnext"."""
from __future__ import annotations

from app.erp import registry
from app.erp.base import ERPFatalError
from app.erp.erpnext.client import DEFAULT_PAGE_SIZE, FrappeClient, describe_frappe_error
from app.erp.erpnext.connector import ERPNextConnector
from app.erp.http import ERPHttp, http_options
from app.tenants.model import ERPConnectionSettings

__all__ = ["ERPNextConnector", "FrappeClient", "build_erpnext"]


def _split(value: object) -> list[str]:
    return [part.strip() for part in str(value or "").split(",") if part.strip()]


def build_erpnext(conn: ERPConnectionSettings, ctx: registry.ConnectorContext) -> ERPNextConnector:
    """Connector from the tenant's settings; ``Authorization: token <api_key>:<api_secret>``."""
    config, secrets = conn.config, conn.secrets
    missing = [k for k in ("url", "company") if not config.get(k)]
    missing += [k for k in ("api_key", "api_secret") if not secrets.get(k)]
    if missing:
        raise ERPFatalError(f"ERPNext settings are incomplete: {', '.join(missing)}", reason="erp_not_configured")
    key, secret = secrets["api_key"], secrets["api_secret"]
    http = ERPHttp(str(config["url"]), vendor="ERPNext", headers={"Authorization": f"token {key}:{secret}"},
                   secrets=(key, secret), describe_error=describe_frappe_error, **http_options(ctx))
    client = FrappeClient(http, page_size=int(config.get("page_size") or DEFAULT_PAGE_SIZE))
    return ERPNextConnector(client, clock=ctx.clock, company=str(config["company"]),
                            warehouses=_split(config.get("warehouses")), price_list=str(config.get("price_list") or ""),
                            delivery_days=int(config.get("delivery_days") or 7),
                            idempotency_field=str(config.get("idempotency_field") or "po_no"))


registry.register(
    "erpnext", build_erpnext, label="ERPNext / Frappe",
    fields=(
        registry.SettingField("url", "Site URL", help="e.g. https://erp.example.com (no /api suffix)", url=True),
        registry.SettingField("api_key", "API key", secret=True,
                              help="User > Settings > API Access > Generate Keys, on a dedicated API user"),
        registry.SettingField("api_secret", "API secret", secret=True),
        registry.SettingField("company", "Company", help="Exact company name; credit limits and invoices are per company"),
        registry.SettingField("warehouses", "Warehouses", required=False,
                              help="Comma-separated warehouse names to show and ship from; empty = all"),
        registry.SettingField("price_list", "Selling price list", required=False,
                              help="Empty = the customer's default price list, else Standard Selling"),
        registry.SettingField("idempotency_field", "Deal reference field", required=False, default="po_no",
                              help="po_no, or a custom Data field with 'unique' set (stronger duplicate protection)"),
    ),
    permissions_help=("The API user needs read access to Customer, Item, Item Price, Bin, Sales Invoice and "
                      "Company, plus create and submit on Sales Order: e.g. roles Sales User, Stock User, "
                      "Accounts User and Sales Master Manager (Item Price read)."),
    max_concurrent_requests=ERPNextConnector.max_concurrent_requests)
