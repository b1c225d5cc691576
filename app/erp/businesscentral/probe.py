"""Business Central "Test connection": tenant, app credentials, environment, company, permissions."""
from __future__ import annotations

from typing import Any

from app.erp.base import ConnectionCheck
from app.erp.fields import missing_field_check
from app.errors import UpstreamAuthFailed, UpstreamError, UpstreamNotFound, UpstreamUnavailable

REQUIRED_READS = ("customers", "items", "salesInvoices", "salesOrders", "generalLedgerSetup",
                  "currencyExchangeRates")


def probe_connection(connector: Any) -> ConnectionCheck:
    """Never raises for expected failures; reports the first problem in plain words."""
    client = connector.client
    details = {"tenant": connector.tenant_id, "environment": connector.environment}
    try:
        client.tokens.token()
    except UpstreamError as exc:
        return _token_failure(exc, details)
    try:
        companies = client.collection("companies", select="id,name")
    except UpstreamError as exc:
        return _environment_failure(exc, connector.environment, details)
    if not any(str(c.get("id", "")).lower() == client.company_id.lower() for c in companies):
        names = ", ".join(f"{c.get('name')} ({c.get('id')})" for c in companies[:5])
        return ConnectionCheck(False, "unknown_company", f"No company with id {client.company_id} in this "
                               f"environment; companies: {names}", details)
    for entity_set in REQUIRED_READS:
        try:
            client.collection(client.path(entity_set), limit=1)
        except UpstreamError as exc:
            return _read_failure(exc, entity_set, details)
    sample = client.collection(client.path("customers"), select="number", orderby="number", limit=1)
    missing = missing_field_check(connector, str(sample[0].get("number") or "") if sample else None)
    if missing is not None:
        return missing
    return ConnectionCheck(True, "ok", f"Connected to Business Central environment {connector.environment}",
                           details | {"company": client.company_id})


def _token_failure(exc: UpstreamError, details: dict[str, str]) -> ConnectionCheck:
    """Microsoft Entra gave no token: wrong tenant, wrong credentials, or unreachable."""
    if exc.reason == "wrong_tenant":
        return ConnectionCheck(False, "wrong_tenant", exc.message, details)
    if isinstance(exc, UpstreamAuthFailed):
        return ConnectionCheck(False, "bad_credentials", f"{exc.message}. Check the client id and secret "
                               "(secrets expire) of the app registration.", details)
    return ConnectionCheck(False, exc.reason, f"Could not reach Microsoft Entra: {exc.message}", details)


def _environment_failure(exc: UpstreamError, environment: str, details: dict[str, str]) -> ConnectionCheck:
    """Listing the companies failed: no such environment, app not registered in it, or unreachable."""
    if isinstance(exc, UpstreamNotFound):
        return ConnectionCheck(False, "wrong_environment", f"Business Central has no environment named "
                               f"'{environment}' for this tenant", details)
    if isinstance(exc, UpstreamAuthFailed):
        return ConnectionCheck(False, "bad_credentials", "Business Central refused the app: add its client id on "
                               "the 'Microsoft Entra Applications' page, set it to Enabled, assign permission "
                               f"sets and grant consent ({exc.message})", details)
    if isinstance(exc, UpstreamUnavailable):
        return ConnectionCheck(False, exc.reason, f"Could not reach Business Central: {exc.message}", details)
    return ConnectionCheck(False, exc.reason, exc.message, details)


def _read_failure(exc: UpstreamError, entity_set: str, details: dict[str, str]) -> ConnectionCheck:
    if isinstance(exc, UpstreamAuthFailed):
        return ConnectionCheck(False, "missing_permission", f"The app may not read {entity_set}: "
                               f"{exc.message}. Assign it the permission sets listed on this page.",
                               details | {"entity": entity_set})
    return ConnectionCheck(False, exc.reason, f"Reading {entity_set} failed: {exc.message}", details)
