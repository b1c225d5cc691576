"""ERPNext/Frappe connector.

Its ``CONNECTOR`` (name "erpnext", factory, settings form), listed in app.erp.registry.
"""
from __future__ import annotations

from app.erp.base import ConnectorContext, ConnectorSpec, SettingField
from app.erp.erpnext.client import DEFAULT_PAGE_SIZE, ERPNEXT, FrappeClient
from app.erp.erpnext.connector import ERPNextConnector
from app.erp.http import erp_http
from app.errors import ERP, UpstreamMisconfigured
from app.tenants.model import ERPConnectionSettings

__all__ = ["ERPNextConnector", "FrappeClient", "build_erpnext"]


def _split(value: object) -> list[str]:
    return [part.strip() for part in str(value or "").split(",") if part.strip()]


def build_erpnext(conn: ERPConnectionSettings, ctx: ConnectorContext) -> ERPNextConnector:
    """Connector from the tenant's settings; ``Authorization: token <api_key>:<api_secret>``."""
    config, secrets = conn.config, conn.secrets
    missing = [k for k in ("url", "company") if not config.get(k)]
    missing += [k for k in ("api_key", "api_secret") if not secrets.get(k)]
    if missing:
        raise UpstreamMisconfigured(f"ERPNext settings are incomplete: {', '.join(missing)}", side=ERP)
    key, secret = secrets["api_key"], secrets["api_secret"]
    http = erp_http(str(config["url"]), ctx, ERPNEXT, headers={"Authorization": f"token {key}:{secret}"},
                    secrets=(key, secret))
    client = FrappeClient(http, page_size=int(config.get("page_size") or DEFAULT_PAGE_SIZE))
    return ERPNextConnector(client, clock=ctx.clock, company=str(config["company"]),
                            warehouses=_split(config.get("warehouses")), price_list=str(config.get("price_list") or ""),
                            delivery_days=int(config.get("delivery_days") or 7),
                            idempotency_field=str(config.get("idempotency_field") or "po_no"))


CONNECTOR = ConnectorSpec(
    "erpnext", build_erpnext, label="ERPNext / Frappe",
    fields=(
        SettingField("url", "Site URL", help="e.g. https://erp.example.com (no /api suffix)", url=True),
        SettingField("api_key", "API key", secret=True,
                              help="User > Settings > API Access > Generate Keys, on a dedicated API user"),
        SettingField("api_secret", "API secret", secret=True),
        SettingField("company", "Company", help="Exact company name; credit limits and invoices are per company"),
        SettingField("warehouses", "Warehouses", required=False,
                              help="Comma-separated warehouse names to show and ship from; empty = all"),
        SettingField("price_list", "Selling price list", required=False,
                              help="Empty = the customer's default price list, else Standard Selling"),
        SettingField("idempotency_field", "Deal reference field", required=False, default="po_no",
                              help="po_no, or a custom Data field with 'unique' set (stronger duplicate protection)"),
    ),
    permissions_help=("The API user needs read access to Customer, Item, Item Price, Bin, Sales Invoice and "
                      "Company, plus create and submit on Sales Order: e.g. roles Sales User, Stock User, "
                      "Accounts User and Sales Master Manager (Item Price read)."),
    max_concurrent_requests=ERPNextConnector.max_concurrent_requests)
