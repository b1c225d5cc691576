"""Settings from the environment with safe embedded defaults.

Embedded default (no variables set): SQLite under instance/, in-process cache,
sandbox ERP, demo CRM, a generated encryption key file. With ERP_PANEL_ENV=production
the process refuses to start without a real SECRET_KEY, ENCRYPTION_KEYS, a valid
DATABASE_URL and PUBLIC_BASE_URL.
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, fields, replace
from typing import Any

from app.config_checks import (
    SANDBOX_CONNECTOR,
    check_operations_settings,
    check_retry_settings,
    production_problems,
)
from app.config_env import ENV_MAP, convert
from app.errors import ConfigError
from app.net.policy import OutboundPolicy

INSTANCE_DIR = os.path.abspath(os.environ.get("ERP_PANEL_INSTANCE", "instance"))
DEV_SECRET_FILE = "dev-secret.key"  # noqa: S105 - a file name, not a secret


@dataclass(frozen=True)
class Settings:
    """Everything configurable, typed. Build with ``load_settings``."""

    env: str = "development"                     # development | test | production
    secret_key: str = ""
    database_url: str = ""
    redis_url: str = ""                          # empty: in-process cache and locks
    redis_namespace: str = "erp-panel:"
    #: while Redis is down, seconds between attempts to use it again (the in-process cache serves meanwhile)
    redis_retry_seconds: float = 5.0
    encryption_keys: list[str] = field(default_factory=list)
    public_base_url: str = "http://127.0.0.1:5000"
    #: CRM origins allowed to frame widgets (CSP frame-ancestors)
    frame_origins: list[str] = field(default_factory=lambda: [
        "https://*.pipedrive.com", "https://app.hubspot.com", "https://app-eu1.hubspot.com",
        # Salesforce Canvas: Lightning (*.lightning.force.com), Visualforce (*.vf.force.com) and
        # Classic/My Domain (*.my.salesforce.com) pages frame the Canvas app
        "https://*.force.com", "https://*.salesforce.com"])
    #: connector the settings page offers first and the demo tenant uses; empty: the sandbox in
    #: development, none in production (where the sandbox, a demo surface, is refused)
    erp_connector: str = ""
    # cache TTLs (seconds) and stale-if-error windows
    ttl_stock: int = 60
    ttl_credit: int = 300
    ttl_invoices: int = 300
    ttl_pricing: int = 900
    stale_limit_stock: int = 3600
    stale_limit_credit: int = 900
    stale_limit_invoices: int = 4 * 3600
    stale_limit_pricing: int = 24 * 3600
    negative_ttl: int = 60
    refresh_min_interval: int = 30               # seconds between refresh-now per account
    erp_timeout: float = 5.0                     # seconds, per outbound ERP call
    #: extra tries of a failed panel read for connectors that do not retry reads themselves (the sandbox)
    panel_read_retries: int = 2
    #: extra tries of a failed ERP read over HTTP (writes are never repeated)
    erp_http_retries: int = 2
    #: outbound URL policy for the ERP address (README "Outbound URL policy"): plain http allowed?
    erp_allow_http: bool = False
    #: private networks an on-premises ERP may live in (e.g. 10.0.0.0/8); link-local/metadata never
    erp_allowed_networks: list[str] = field(default_factory=list)
    coalesce_wait: float = 10.0                  # max seconds a reader waits on another's fetch
    #: bytes one in-process cache may hold (panel entries; the tenant cache gets a quarter of it)
    cache_max_bytes: int = 64 * 1024 * 1024
    #: seconds a process trusts its copy of a tenant (record, links, ERP connection) while no change channel
    #: from other processes is connected (no Redis, or Redis down); with Redis, changes arrive by pub/sub
    tenant_cache_seconds: float = 10.0
    widget_token_ttl: int = 300
    fanout_workers: int = 16
    # sandbox ERP
    sandbox_latency_ms: float = 0.0
    sandbox_fail_rate: float = 0.0
    # demo CRM: None = on in development/test, off in production (where turning it on is refused)
    demo_enabled: bool | None = None
    # worker
    worker_poll_interval: float = 1.0
    worker_lease_seconds: int = 120
    #: with the backoff below, 15 attempts span 7-14 h: a won deal outlives a 6 h ERP outage
    job_max_attempts: int = 15
    # orders: retry delay = uniform(floor * c, c) seconds with c = min(cap, base * 2**(attempt-1))
    job_backoff_base: float = 30.0
    job_backoff_cap: float = 7200.0
    job_backoff_floor: float = 0.5
    #: order jobs at once per worker process: they mostly wait on the ERP and hold no database
    #: connection meanwhile, so many threads cost little (size the database pool to match)
    worker_threads: int = 32
    #: an order's credit check reuses a credit read (panel or earlier order) at most this many seconds old
    order_credit_max_age: float = 10.0
    #: order readiness: seconds a deal's result is reused, and the most a panel waits for a fresh one
    readiness_ttl: int = 60
    readiness_timeout: float = 4.0
    # CRM apps (filled from env; empty means the integration is not configured)
    pipedrive_client_id: str = ""
    pipedrive_client_secret: str = ""
    pipedrive_jwt_secret: str = ""
    # -- Pipedrive app --
    #: exact OAuth redirect URI registered in Developer Hub; empty = PUBLIC_BASE_URL + /pipedrive/oauth/callback
    pipedrive_redirect_uri: str = ""
    pipedrive_timeout: float = 10.0              # seconds, per outbound Pipedrive call
    hubspot_client_id: str = ""
    hubspot_client_secret: str = ""
    hubspot_app_id: str = ""
    # -- HubSpot app ------------------------------------------------------------------
    hubspot_timeout: float = 5.0                 # seconds per HubSpot API / OAuth call
    hubspot_pkce: bool = True                    # send a PKCE S256 challenge on install
    #: accept v1-only webhook signatures (no timestamp, replayable) when no v3 headers are sent
    hubspot_accept_v1_webhooks: bool = False
    #: company property holding the ERP customer id (falls back to the admin's account links)
    hubspot_company_erp_property: str = "erp_customer_id"
    # -- Salesforce connected app (README "Install in Salesforce") --
    salesforce_client_id: str = ""               # the consumer key
    salesforce_client_secret: str = ""           # the consumer secret (also verifies Canvas signed requests)
    salesforce_timeout: float = 10.0             # seconds per Salesforce API / OAuth call
    admin_token: str = ""                        # operator token for the admin API (all tenants)
    #: bearer token Prometheus sends for /metrics; required in production (without it /metrics is off)
    metrics_token: str = ""
    # -- operations (README "Operations") --
    metrics_tenant_limit: int = 200              # distinct tenant label values per process, then "other"
    worker_metrics_port: int = 0                 # erp-panel worker serves /metrics here (0: off)
    embedded_alerts: bool = True                 # the worker evaluates the alert rules and notifies owners
    alert_interval: int = 60                     # seconds between evaluations (one worker evaluates)
    smtp_host: str = ""                          # e-mail alerts: SMTP server (empty: no e-mail channel)
    smtp_port: int = 587
    smtp_security: str = "starttls"              # starttls | ssl | none
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_from: str = ""
    smtp_timeout: float = 10.0
    retention_days_inbox: int = 90               # won events kept in the inbox
    retention_days_audit: int = 90               # audit rows kept
    retention_batch_size: int = 500              # rows per delete transaction

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    def with_overrides(self, **overrides: Any) -> Settings:
        """These settings with some values replaced; an unknown name is an error, never ignored."""
        unknown = sorted(set(overrides) - {f.name for f in fields(self)})
        if unknown:
            raise ConfigError(f"unknown setting(s): {', '.join(unknown)}")
        return replace(self, **overrides)


def load_settings(environ: dict[str, str] | None = None, **overrides: Any) -> Settings:
    """Read settings from the environment, apply overrides, fill embedded defaults, validate."""
    environ = dict(os.environ if environ is None else environ)
    values: dict[str, Any] = {}
    for var, (attr, kind) in ENV_MAP.items():
        if environ.get(var, "") != "":
            values[attr] = convert(var, environ[var], kind)
    settings = Settings(**values).with_overrides(**overrides)
    return _finalise(settings)


def _finalise(s: Settings) -> Settings:
    if s.env not in ("development", "test", "production"):
        raise ConfigError(f"ERP_PANEL_ENV must be development, test or production, not {s.env!r}")
    try:
        outbound_policy(s)
    except ValueError as exc:
        raise ConfigError(f"ERP_ALLOWED_NETWORKS: {exc}") from None
    from app.storage.crypto import load_or_create_key_file
    from app.storage.db import normalise_url
    check_retry_settings(s)
    check_operations_settings(s)
    if s.is_production:
        problems = production_problems(s)
        if problems:
            raise ConfigError("Invalid production configuration: " + "; ".join(problems))
        normalise_url(s.database_url)
        return replace(s, demo_enabled=False)
    updates: dict[str, Any] = {}
    if not s.erp_connector:
        updates["erp_connector"] = SANDBOX_CONNECTOR
    if s.demo_enabled is None:
        updates["demo_enabled"] = True
    if not s.database_url:
        updates["database_url"] = "sqlite:///" + os.path.join(INSTANCE_DIR, "erp-panel.sqlite3")
    else:
        normalise_url(s.database_url)
    if not s.secret_key:
        updates["secret_key"] = _dev_secret()
    if not s.encryption_keys:
        updates["encryption_keys"] = [load_or_create_key_file(os.path.join(INSTANCE_DIR, "encryption.key"))]
    return replace(s, **updates) if updates else s


def outbound_policy(s: Settings) -> OutboundPolicy:
    """The outbound URL policy for ERP calls from ERP_ALLOW_HTTP / ERP_ALLOWED_NETWORKS."""
    return OutboundPolicy.from_lists(allow_http=s.erp_allow_http, allowed_networks=s.erp_allowed_networks)


def _dev_secret() -> str:
    path = os.path.join(INSTANCE_DIR, DEV_SECRET_FILE)
    if os.path.exists(path):
        with open(path, encoding="ascii") as fh:
            return fh.read().strip()
    os.makedirs(INSTANCE_DIR, exist_ok=True)
    value = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(value)
    return value
