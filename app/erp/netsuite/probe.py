"""NetSuite "Test connection": account, credentials, role permissions, configured ids."""
from __future__ import annotations

from typing import Any

from app.erp.base import ConnectionCheck
from app.erp.fields import missing_field_check
from app.erp.netsuite import queries
from app.errors import UpstreamAuthFailed, UpstreamError, UpstreamUnavailable
from app.net.client import host_of

#: what the connector reads, as the smallest SuiteQL that needs the same role permission
REQUIRED_READS = (
    ("customers (Lists > Customers)", "SELECT c.id FROM customer c"),
    ("invoices (Transactions > Invoice)", "SELECT t.id FROM transaction t WHERE t.type = 'CustInvc'"),
    ("sales orders (Transactions > Sales Order)", "SELECT t.id FROM transaction t WHERE t.type = 'SalesOrd'"),
    ("items (Lists > Items)", "SELECT i.id FROM item i"),
    ("item locations (Lists > Items, Lists > Locations)", "SELECT b.item FROM inventoryitemlocations b"),
    ("item prices (Lists > Items)", "SELECT p.item FROM pricing p"),
)


def _first_failure(exc: UpstreamError, what: str, details: dict[str, str]) -> ConnectionCheck:
    if isinstance(exc, UpstreamAuthFailed) and exc.reason == "erp_permission_denied":
        return ConnectionCheck(False, "missing_permission", f"The integration role may not read {what}: "
                               f"{exc.message}", details)
    if isinstance(exc, UpstreamAuthFailed):
        return ConnectionCheck(False, "bad_credentials", f"NetSuite refused the credentials: {exc.message}", details)
    if isinstance(exc, UpstreamUnavailable) and exc.reason == "erp_unreachable":
        return ConnectionCheck(False, "wrong_account", "No NetSuite account answers at "
                               f"{details.get('host', '')}; check the account id (a sandbox is 1234567_SB1)",
                               details)
    return ConnectionCheck(False, exc.reason, f"Reading {what} failed: {exc.message}", details)


def probe_connection(connector: Any) -> ConnectionCheck:
    """Never raises for expected failures; reports the first problem in plain words."""
    client = connector.client
    details = {"host": host_of(client.http.base_url), "auth": connector.auth_method}
    if client.tokens is not None:
        try:
            client.tokens.token()
        except UpstreamError as exc:
            check = _first_failure(exc, "a token", details)
            if check.reason == "bad_credentials":
                return ConnectionCheck(False, "bad_credentials", "NetSuite refused the token request: check the "
                                       "client id, the certificate id and that the private key belongs to the "
                                       f"certificate mapped to this integration ({exc.message})", details)
            return check
    for what, query in REQUIRED_READS:
        try:
            client.suiteql(query, limit=1)
        except UpstreamError as exc:
            return _first_failure(exc, what, details)
    for label, reason, table, value in (("subsidiary", "unknown_subsidiary", "subsidiary", connector.subsidiary_id),
                                        ("location", "unknown_location", "location", connector.location_id)):
        if value and not client.suiteql(queries.record_id(table, value), limit=1):
            return ConnectionCheck(False, reason, f"NetSuite has no {label} with internal id {value}", details)
    sample = client.suiteql("SELECT c.entityid AS entityid FROM customer c WHERE c.isinactive = 'F' "
                            "ORDER BY c.entityid", limit=1)
    missing = missing_field_check(connector, str(sample[0].get("entityid") or "") if sample else None)
    if missing is not None:
        return missing
    return ConnectionCheck(True, "ok", f"Connected to NetSuite account {connector.account}", details)
