"""The ERP connectors this release ships, and the per-tenant connector cache.

Adding an ERP: one package under ``app/erp/`` whose ``CONNECTOR`` (a :class:`ConnectorSpec`) says
its name, factory and settings form, and one line in ``CONNECTORS``; the ERP contract suite
(``tests/contract/erp``) then runs on it (and fails until it has a harness). Every connector's form
also gets the "concurrent ERP requests" field. Connectors are cached per tenant and rebuilt when the
tenant's connection settings change.
"""
from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import replace

from app.erp import businesscentral, erpnext, netsuite, odoo, sandbox
from app.erp.base import ConnectorContext, ConnectorSpec, ERPConnector, SettingField
from app.errors import ERP, UpstreamMisconfigured
from app.tenants.model import ERPConnectionSettings, Tenant
from app.tenants.store import TenantStore

#: every ERP connector; one registration line each
CONNECTORS: tuple[ConnectorSpec, ...] = (
    sandbox.CONNECTOR,
    erpnext.CONNECTOR,
    odoo.CONNECTOR,
    netsuite.CONNECTOR,
    businesscentral.CONNECTOR,
)
#: the tenant's cap on ERP requests at once (every connector's form offers it; empty = the vendor default)
CONCURRENCY_FIELD = "max_concurrent_requests"
#: largest value the form accepts (the biggest NetSuite accounts allow a few hundred)
MAX_CONCURRENCY = 999


def with_concurrency_field(spec: ConnectorSpec) -> ConnectorSpec:
    """The connector's form plus the "concurrent ERP requests" field, defaulting to its vendor's limit."""
    concurrency = SettingField(CONCURRENCY_FIELD, "Concurrent ERP requests", required=False,
                               help=f"At most this many requests at once from order processing; empty = "
                                    f"{spec.max_concurrent_requests}, this ERP's usual limit. Raise it when your "
                                    "ERP account allows more (e.g. NetSuite SuiteCloud Plus licences).")
    return replace(spec, fields=(*spec.fields, concurrency))


_BY_NAME: dict[str, ConnectorSpec] = {spec.name: with_concurrency_field(spec) for spec in CONNECTORS}


def concurrency_limit(conn: ERPConnectionSettings) -> int:
    """The tenant's cap on ERP requests at once: its setting, else the connector's default.

    Raises ValueError for a value that is not a whole number from 1 to MAX_CONCURRENCY (the
    settings page reports it like any unusable setting).
    """
    raw = str(conn.config.get(CONCURRENCY_FIELD) or "").strip()
    if not raw:
        spec = _BY_NAME.get(conn.connector)
        return spec.max_concurrent_requests if spec else ERPConnector.max_concurrent_requests
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_CONCURRENCY:
        raise ValueError(f"{CONCURRENCY_FIELD} must be a whole number from 1 to {MAX_CONCURRENCY}")
    return int(raw)


def default_concurrency() -> dict[str, int]:
    """Connector name -> its default cap on ERP requests at once (for the job queue's admission)."""
    return {name: spec.max_concurrent_requests for name, spec in _BY_NAME.items()}


def describe(name: str) -> ConnectorSpec | None:
    """The registered connector of that name (its settings form), or None."""
    return _BY_NAME.get(name)


def available(*, production: bool = False) -> list[str]:
    """Names of the connectors an admin may choose (no demo surfaces in production)."""
    return sorted(spec.name for spec in _BY_NAME.values() if not (production and spec.demo_only))


def demo_only_sentence(spec: ConnectorSpec) -> str:
    """Why a demo connector is refused in production, as one sentence for the admin or the operator."""
    return (f"The {spec.label} is a demo surface and is switched off in production; choose a real ERP "
            "connector on the settings page.")


def env_connection(environ: dict[str, str] | None, connector: str) -> ERPConnectionSettings:
    """Connection settings from ERP_CONFIG_* / ERP_SECRET_* variables (used for the demo tenant)."""
    environ = dict(os.environ if environ is None else environ)
    config = {k[len("ERP_CONFIG_"):].lower(): v for k, v in environ.items() if k.startswith("ERP_CONFIG_")}
    secrets = {k[len("ERP_SECRET_"):].lower(): v for k, v in environ.items() if k.startswith("ERP_SECRET_")}
    return ERPConnectionSettings(connector=connector, config=config, secrets=secrets)


def fingerprint(conn: ERPConnectionSettings) -> str:
    """Short hash of connector + non-secret config + secret values, so cache keys change with settings."""
    blob = json.dumps([conn.connector, conn.config, conn.secrets], sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:12]


class ERPRegistry:
    """Builds each tenant's connector from its stored settings, and caches it per tenant."""

    def __init__(self, tenants: TenantStore, context: ConnectorContext, *, production: bool = False):
        self.tenants = tenants
        self.context = context
        self.production = production
        self._cache: dict[str, tuple[str, ERPConnector]] = {}
        self._lock = threading.Lock()

    def available(self) -> list[str]:
        """The connectors an admin of this server may choose."""
        return available(production=self.production)

    def connector_for(self, tenant: Tenant) -> tuple[ERPConnector, str]:
        """(connector, settings fingerprint) for the tenant; raises UpstreamMisconfigured when unconfigured."""
        return self.connector_from(tenant.id, self.tenants.get_erp_connection(tenant.id))

    def connector_from(self, tenant_id: str, conn: ERPConnectionSettings | None) -> tuple[ERPConnector, str]:
        """(connector, fingerprint) for connection settings already read; UpstreamMisconfigured when none."""
        if conn is None:
            raise UpstreamMisconfigured("No ERP connection is configured for this account yet; an admin can set "
                                        "it up on the settings page", side=ERP)
        return self.build_cached(tenant_id, conn)

    def build_cached(self, tenant_id: str, conn: ERPConnectionSettings) -> tuple[ERPConnector, str]:
        fp = fingerprint(conn)
        with self._lock:
            cached = self._cache.get(tenant_id)
            if cached and cached[0] == fp:
                return cached[1], fp
        connector = self.build(conn)
        with self._lock:
            old = self._cache.get(tenant_id)
            self._cache[tenant_id] = (fp, connector)
        if old and old[0] != fp:
            old[1].close()
        return connector, fp

    def build(self, conn: ERPConnectionSettings) -> ERPConnector:
        """A fresh connector for these settings (used by 'test connection' before saving)."""
        spec = _BY_NAME.get(conn.connector)
        if spec is None:
            raise UpstreamMisconfigured(f"Unknown ERP connector '{conn.connector}'; available: "
                                        f"{', '.join(self.available())}", side=ERP)
        if spec.demo_only and self.production:
            raise UpstreamMisconfigured(demo_only_sentence(spec), side=ERP)
        limit = concurrency_limit(conn)
        connector = spec.build(conn, self.context)
        connector.max_concurrent_requests = limit
        return connector

    def forget(self, tenant_id: str) -> None:
        with self._lock:
            old = self._cache.pop(tenant_id, None)
        if old:
            old[1].close()
