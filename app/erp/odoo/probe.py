"""Odoo "test connection": URL, database, credentials, then read permissions per model."""
from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from app.erp.base import ConnectionCheck
from app.erp.fields import missing_field_check
from app.errors import (
    MissingVendorField,
    UpstreamAuthFailed,
    UpstreamError,
    UpstreamNotFound,
    UpstreamUnavailable,
)

if TYPE_CHECKING:
    from app.erp.odoo.connector import OdooConnector

#: model -> a field the connector needs (res.partner credit fields need Invoicing read access:
#: groups account.group_account_invoice / account.group_account_readonly)
REQUIRED_READS = (("res.partner", "credit"), ("product.product", "qty_available"), ("stock.warehouse", "name"),
                  ("account.move", "amount_residual"), ("product.pricelist.item", "compute_price"),
                  ("sale.order", "client_order_ref"))


def probe_connection(connector: OdooConnector) -> ConnectionCheck:
    """Never raises for expected failures; reports the first problem in plain words."""
    try:
        user = connector.rpc.call("res.users", "context_get", safe=True, context=connector.context)
    except UpstreamError as exc:
        return _login_failure(exc)
    details = {"api": connector.rpc.flavour, "lang": str((user or {}).get("lang", ""))}
    for model, field in REQUIRED_READS:
        failure = _read_failure(connector, model, field, details)
        if failure is not None:
            return failure
    if connector.warehouse_id and not connector.search_read("stock.warehouse", [("id", "=", connector.warehouse_id)],
                                                            ["id"]):
        return ConnectionCheck(False, "unknown_warehouse", f"Odoo has no warehouse with id {connector.warehouse_id}",
                               details)
    sample = connector.search_read("res.partner", [("ref", "!=", False)], ["id"], limit=1)
    missing = missing_field_check(connector, str(sample[0]["id"]) if sample else None)
    if missing is not None:
        return replace(missing, details=details | missing.details)
    return ConnectionCheck(True, "ok", f"Connected to Odoo over {connector.rpc.flavour}", details)


def _login_failure(exc: UpstreamError) -> ConnectionCheck:
    """The first call failed: the URL, the database or the credentials are wrong."""
    if isinstance(exc, UpstreamAuthFailed):
        return ConnectionCheck(False, "bad_credentials",
                               "Odoo rejected the API key (or login/database for JSON-RPC); keys expire after "
                               "at most 3 months")
    if isinstance(exc, UpstreamNotFound):
        return ConnectionCheck(False, "wrong_url", "That URL does not serve the Odoo API (for Odoo 18 or older "
                                                   "choose JSON-RPC or auto)")
    if isinstance(exc, UpstreamUnavailable):
        reason = "wrong_url" if exc.reason == "erp_unreachable" else exc.reason
        return ConnectionCheck(False, reason, exc.message)
    if exc.reason == "erp_bad_response":
        return ConnectionCheck(False, "wrong_url", "That URL does not look like an Odoo server (no JSON API)")
    if exc.reason == "erp_unknown_database":
        return ConnectionCheck(False, "wrong_database", exc.message)
    return ConnectionCheck(False, exc.reason, exc.message)


def _read_failure(connector: OdooConnector, model: str, field: str, details: dict[str, str]) -> ConnectionCheck | None:
    """Reads one record's ``field`` of ``model``; the problem in plain words, or None when it can."""
    try:
        connector.rpc.call(model, "search_read", kwargs={"domain": [], "fields": [field], "limit": 1},
                           context=connector.context, safe=True)
    except MissingVendorField as exc:
        return ConnectionCheck(False, "missing_field", exc.message, details | {"model": model, "field": exc.field})
    except UpstreamAuthFailed:
        return ConnectionCheck(False, "missing_permission",
                               f"The API user may not read {model}.{field}; give it the groups listed on "
                               "this page", details | {"model": model})
    except UpstreamError as exc:
        return ConnectionCheck(False, exc.reason, f"Reading {model} failed: {exc.message}", details)
    return None
