"""ERPNext "test connection": credentials, URL, company and read permissions.

Frappe returns 401 for a bad token and 403 when the key's user lacks a role
(https://docs.frappe.io/framework/user/en/api/rest); a wrong URL shows up as a connection
error, a 404 or a non-JSON page; a field hidden by permissions or renamed by an upgrade shows
when sample records are mapped. Each outcome becomes a ConnectionCheck with a plain reason.
"""
from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from app.erp.base import ConnectionCheck
from app.erp.fields import missing_field_check
from app.errors import UpstreamAuthFailed, UpstreamError, UpstreamNotFound, UpstreamUnavailable

if TYPE_CHECKING:
    from app.erp.erpnext.connector import ERPNextConnector

#: doctypes the connector reads; the API user needs read permission on each (README "ERP connectors")
REQUIRED_READS = ("Customer", "Item", "Bin", "Sales Invoice", "Sales Order")


def probe_connection(connector: ERPNextConnector) -> ConnectionCheck:
    """Never raises for expected failures; returns the first problem found."""
    client, company = connector.client, connector.company
    try:
        user = client.get_method("frappe.auth.get_logged_user")
    except UpstreamError as exc:
        return _login_failure(exc)
    details = {"user": str(user)}
    try:
        client.get_doc("Company", company)
    except UpstreamNotFound:
        return ConnectionCheck(False, "unknown_company", f"ERPNext has no company named '{company}'", details)
    except UpstreamError as exc:
        return _permission_failure("Company", exc, details)
    for doctype in REQUIRED_READS:
        try:
            client.get_list(doctype, fields=["name"], limit=1)
        except UpstreamError as exc:
            return _permission_failure(doctype, exc, details)
    details["company"] = company
    sample = client.get_list("Customer", fields=["name"], limit=1)
    missing = missing_field_check(connector, str(sample[0].get("name") or "") if sample else None)
    if missing is not None:
        return replace(missing, details=details | missing.details)
    return ConnectionCheck(True, "ok", f"Connected to ERPNext as {user}", details)


def _login_failure(exc: UpstreamError) -> ConnectionCheck:
    """The first call failed: the key/secret, the URL or the site is wrong."""
    if isinstance(exc, UpstreamAuthFailed):
        return ConnectionCheck(False, "bad_credentials",
                               "ERPNext rejected the API key/secret (check both values and that the user is enabled)",
                               {"status": str(exc.status or "")})
    if isinstance(exc, UpstreamNotFound):
        return ConnectionCheck(False, "wrong_url", "That URL answers, but it is not a Frappe/ERPNext site")
    if isinstance(exc, UpstreamUnavailable):
        reason = "wrong_url" if exc.reason == "erp_unreachable" else exc.reason
        return ConnectionCheck(False, reason, exc.message)
    if exc.reason == "erp_bad_response":
        return ConnectionCheck(False, "wrong_url", "That URL does not look like an ERPNext site (no JSON API)")
    return ConnectionCheck(False, exc.reason, exc.message)


def _permission_failure(doctype: str, exc: UpstreamError, details: dict[str, str]) -> ConnectionCheck:
    if isinstance(exc, UpstreamAuthFailed):
        return ConnectionCheck(False, "missing_permission",
                               f"The API user may not read {doctype}; give it the roles listed on this page",
                               details | {"doctype": doctype})
    return ConnectionCheck(False, exc.reason, f"Reading {doctype} failed: {exc.message}", details)
