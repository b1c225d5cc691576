"""Builds the ERP connector for a tenant from its stored connection settings.

Connector factories register by name; the vendor packages (erpnext, odoo, netsuite,
businesscentral) add theirs through ``register``. Connectors are cached per tenant and rebuilt
when the tenant's connection settings change.
"""
from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.erp.base import ERPConnector, ERPFatalError
from app.net.policy import OutboundPolicy
from app.plugins import import_optional
from app.tenants.model import ERPConnectionSettings, Tenant


@dataclass
class ConnectorContext:
    """What a factory may use besides the tenant's settings."""

    clock: Any
    db: Any
    sandbox_faults: Any
    timeout: float
    extra: dict[str, Any]
    #: what the ERP URL may reach (ERP_ALLOW_HTTP, ERP_ALLOWED_NETWORKS); https to public addresses by default
    outbound: OutboundPolicy = field(default_factory=OutboundPolicy)


NOT_CONFIGURED_MESSAGE = ("No ERP connection is configured for this account yet; an admin can set it up "
                          "on the settings page")

Factory = Callable[[ERPConnectionSettings, ConnectorContext], ERPConnector]
_FACTORIES: dict[str, Factory] = {}
_DESCRIPTIONS: dict[str, ConnectorDescription] = {}


@dataclass(frozen=True)
class SettingField:
    """One input on the admin's ERP connection form."""

    name: str
    label: str
    secret: bool = False         # stored encrypted, never shown back
    required: bool = True
    help: str = ""
    default: str = ""
    multiline: bool = False      # e.g. a PEM private key: a text area, longer values allowed
    url: bool = False            # an address outbound calls go to: checked against the outbound URL policy


#: the tenant's cap on ERP requests at once (every connector's form offers it; empty = the vendor default)
CONCURRENCY_FIELD = "max_concurrent_requests"
#: largest value the form accepts (the biggest NetSuite accounts allow a few hundred)
MAX_CONCURRENCY = 999


@dataclass(frozen=True)
class ConnectorDescription:
    """How the settings page presents a connector."""

    name: str
    label: str
    fields: tuple[SettingField, ...] = ()
    permissions_help: str = ""
    #: ERP requests at once the vendor accepts from one account by default (see each connector)
    max_concurrent_requests: int = ERPConnector.max_concurrent_requests


def register(name: str, factory: Factory, *, label: str = "", fields: tuple[SettingField, ...] = (),
             permissions_help: str = "",
             max_concurrent_requests: int = ERPConnector.max_concurrent_requests) -> None:
    """Make a connector available under a name (e.g. "erpnext") with its settings form.

    Every form also gets the "concurrent ERP requests" field, defaulting to ``max_concurrent_requests``.
    """
    concurrency = SettingField(CONCURRENCY_FIELD, "Concurrent ERP requests", required=False,
                               help=f"At most this many requests at once from order processing; empty = "
                                    f"{max_concurrent_requests}, this ERP's usual limit. Raise it when your ERP "
                                    "account allows more (e.g. NetSuite SuiteCloud Plus licences).")
    _FACTORIES[name] = factory
    _DESCRIPTIONS[name] = ConnectorDescription(name, label or name, (*fields, concurrency), permissions_help,
                                               max_concurrent_requests)


def concurrency_limit(conn: ERPConnectionSettings) -> int:
    """The tenant's cap on ERP requests at once: its setting, else the connector's default.

    Raises ValueError for a value that is not a whole number from 1 to MAX_CONCURRENCY (the
    settings page reports it like any unusable setting).
    """
    raw = str(conn.config.get(CONCURRENCY_FIELD) or "").strip()
    if not raw:
        description = _DESCRIPTIONS.get(conn.connector)
        return description.max_concurrent_requests if description else ERPConnector.max_concurrent_requests
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_CONCURRENCY:
        raise ValueError(f"{CONCURRENCY_FIELD} must be a whole number from 1 to {MAX_CONCURRENCY}")
    return int(raw)


def default_concurrency() -> dict[str, int]:
    """Connector name -> its default cap on ERP requests at once (for the job queue's admission)."""
    _load_builtin()
    return {name: d.max_concurrent_requests for name, d in _DESCRIPTIONS.items()}


def describe(name: str) -> ConnectorDescription | None:
    """Settings-form description of a registered connector."""
    _load_builtin()
    return _DESCRIPTIONS.get(name)


def available() -> list[str]:
    _load_builtin()
    return sorted(_FACTORIES)


def _load_builtin() -> None:
    # Importing the vendor packages registers their factories.
    import app.erp.sandbox.factory  # noqa: F401
    for module in ("app.erp.erpnext", "app.erp.odoo", "app.erp.netsuite", "app.erp.businesscentral"):
        import_optional(module)


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
    """Per-tenant connector cache."""

    def __init__(self, tenant_store, context: ConnectorContext):
        self.tenants = tenant_store
        self.context = context
        self._cache: dict[str, tuple[str, ERPConnector]] = {}
        self._lock = threading.Lock()
        _load_builtin()

    def connector_for(self, tenant: Tenant) -> tuple[ERPConnector, str]:
        """(connector, settings fingerprint) for the tenant; raises ERPFatalError when unconfigured."""
        return self.connector_from(tenant.id, self.tenants.get_erp_connection(tenant.id))

    def connector_from(self, tenant_id: str, conn: ERPConnectionSettings | None) -> tuple[ERPConnector, str]:
        """(connector, fingerprint) for connection settings already read; ERPFatalError when there are none."""
        if conn is None:
            raise ERPFatalError(NOT_CONFIGURED_MESSAGE, reason="erp_not_configured")
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
        factory = _FACTORIES.get(conn.connector)
        if factory is None:
            raise ERPFatalError(f"Unknown ERP connector '{conn.connector}'; available: {', '.join(available())}",
                                reason="erp_not_configured")
        limit = concurrency_limit(conn)
        connector = factory(conn, self.context)
        connector.max_concurrent_requests = limit
        return connector

    def forget(self, tenant_id: str) -> None:
        with self._lock:
            old = self._cache.pop(tenant_id, None)
        if old:
            old[1].close()
