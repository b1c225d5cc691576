"""ERPNext "test connection": credentials, URL, company and read permissions.

Frappe returns 401 for a bad token and 403 when the key's user lacks a role
(erp-contracts.md 1.3); a wrong URL shows up as a connection error, a 404 or a
non-JSON page. Each outcome becomes a ConnectionCheck with a plain reason.
"""
from __future__ import annotations

from app.erp.base import ConnectionCheck, ERPAuthError, ERPError, ERPNotFoundError, ERPRetriableError
from app.erp.erpnext.client import FrappeClient

#: doctypes the connector reads; the API user needs read permission on each (README "ERP connectors")
REQUIRED_READS = ("Customer", "Item", "Bin", "Sales Invoice", "Sales Order")


def probe_connection(client: FrappeClient, company: str) -> ConnectionCheck:
    """Never raises for expected failures; returns the first problem found."""
    try:
        user = client.get_method("frappe.auth.get_logged_user")
    except ERPAuthError as exc:
        return ConnectionCheck(False, "bad_credentials",
                               "ERPNext rejected the API key/secret (check both values and that the user is enabled)",
                               {"status": str(exc.status or "")})
    except ERPNotFoundError:
        return ConnectionCheck(False, "wrong_url", "That URL answers, but it is not a Frappe/ERPNext site")
    except ERPRetriableError as exc:
        reason = "wrong_url" if exc.reason in ("erp_unreachable",) else exc.reason
        return ConnectionCheck(False, reason, f"Could not reach ERPNext: {exc.message}")
    except ERPError as exc:
        if exc.reason == "erp_bad_response":
            return ConnectionCheck(False, "wrong_url", "That URL does not look like an ERPNext site (no JSON API)")
        return ConnectionCheck(False, exc.reason, exc.message)
    details = {"user": str(user)}
    try:
        client.get_doc("Company", company)
    except ERPNotFoundError:
        return ConnectionCheck(False, "unknown_company", f"ERPNext has no company named '{company}'", details)
    except ERPError as exc:
        return _permission_failure("Company", exc, details)
    for doctype in REQUIRED_READS:
        try:
            client.get_list(doctype, fields=["name"], limit=1)
        except ERPError as exc:
            return _permission_failure(doctype, exc, details)
    details["company"] = company
    return ConnectionCheck(True, "ok", f"Connected to ERPNext as {user}", details)


def _permission_failure(doctype: str, exc: ERPError, details: dict[str, str]) -> ConnectionCheck:
    if isinstance(exc, ERPAuthError):
        return ConnectionCheck(False, "missing_permission",
                               f"The API user may not read {doctype}; give it the roles listed on this page",
                               details | {"doctype": doctype})
    return ConnectionCheck(False, exc.reason, f"Reading {doctype} failed: {exc.message}", details)
