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

from app.errors import ConfigError
from app.net.policy import OutboundPolicy

INSTANCE_DIR = os.path.abspath(os.environ.get("ERP_PANEL_INSTANCE", "instance"))
DEV_SECRET_FILE = "dev-secret.key"


def _list(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


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
        "https://*.pipedrive.com", "https://app.hubspot.com", "https://app-eu1.hubspot.com"])
    erp_connector: str = "sandbox"               # default connector for new tenants / the demo
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
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    def with_overrides(self, **overrides: Any) -> Settings:
        known = {f.name for f in fields(self)}
        extra = dict(self.extra)
        direct = {}
        for key, value in overrides.items():
            (direct if key in known else extra)[key] = value
        return replace(self, extra=extra, **direct)


_ENV_MAP: dict[str, tuple[str, type]] = {
    "ERP_PANEL_ENV": ("env", str), "SECRET_KEY": ("secret_key", str), "DATABASE_URL": ("database_url", str),
    "REDIS_URL": ("redis_url", str), "REDIS_NAMESPACE": ("redis_namespace", str),
    "REDIS_RETRY_SECONDS": ("redis_retry_seconds", float), "ENCRYPTION_KEYS": ("encryption_keys", list),
    "PUBLIC_BASE_URL": ("public_base_url", str), "CRM_FRAME_ORIGINS": ("frame_origins", list),
    "ERP_CONNECTOR": ("erp_connector", str),
    "CACHE_TTL_STOCK": ("ttl_stock", int), "CACHE_TTL_CREDIT": ("ttl_credit", int),
    "CACHE_TTL_INVOICES": ("ttl_invoices", int), "CACHE_TTL_PRICING": ("ttl_pricing", int),
    "STALE_LIMIT_STOCK": ("stale_limit_stock", int), "STALE_LIMIT_CREDIT": ("stale_limit_credit", int),
    "STALE_LIMIT_INVOICES": ("stale_limit_invoices", int), "STALE_LIMIT_PRICING": ("stale_limit_pricing", int),
    "NEGATIVE_CACHE_TTL": ("negative_ttl", int), "REFRESH_MIN_INTERVAL": ("refresh_min_interval", int),
    "ERP_TIMEOUT": ("erp_timeout", float), "PANEL_READ_RETRIES": ("panel_read_retries", int),
    "WIDGET_TOKEN_TTL": ("widget_token_ttl", int),
    "CACHE_MAX_BYTES": ("cache_max_bytes", int), "TENANT_CACHE_SECONDS": ("tenant_cache_seconds", float),
    "ERP_ALLOW_HTTP": ("erp_allow_http", bool), "ERP_ALLOWED_NETWORKS": ("erp_allowed_networks", list),
    "SANDBOX_LATENCY_MS": ("sandbox_latency_ms", float), "SANDBOX_FAIL_RATE": ("sandbox_fail_rate", float),
    "DEMO_ENABLED": ("demo_enabled", bool), "WORKER_POLL_INTERVAL": ("worker_poll_interval", float),
    "WORKER_LEASE_SECONDS": ("worker_lease_seconds", int), "JOB_MAX_ATTEMPTS": ("job_max_attempts", int),
    # orders
    "JOB_BACKOFF_BASE": ("job_backoff_base", float), "JOB_BACKOFF_CAP": ("job_backoff_cap", float),
    "JOB_BACKOFF_FLOOR": ("job_backoff_floor", float),
    "WORKER_THREADS": ("worker_threads", int), "ORDER_CREDIT_MAX_AGE": ("order_credit_max_age", float),
    "PIPEDRIVE_CLIENT_ID": ("pipedrive_client_id", str), "PIPEDRIVE_CLIENT_SECRET": ("pipedrive_client_secret", str),
    "PIPEDRIVE_JWT_SECRET": ("pipedrive_jwt_secret", str),
    # Pipedrive app
    "PIPEDRIVE_REDIRECT_URI": ("pipedrive_redirect_uri", str), "PIPEDRIVE_TIMEOUT": ("pipedrive_timeout", float),
    "HUBSPOT_CLIENT_ID": ("hubspot_client_id", str), "HUBSPOT_CLIENT_SECRET": ("hubspot_client_secret", str),
    "HUBSPOT_APP_ID": ("hubspot_app_id", str), "ADMIN_TOKEN": ("admin_token", str),
    "METRICS_TOKEN": ("metrics_token", str),
    # operations
    "METRICS_TENANT_LIMIT": ("metrics_tenant_limit", int), "WORKER_METRICS_PORT": ("worker_metrics_port", int),
    "EMBEDDED_ALERTS": ("embedded_alerts", bool), "ALERT_EVALUATION_INTERVAL": ("alert_interval", int),
    "SMTP_HOST": ("smtp_host", str), "SMTP_PORT": ("smtp_port", int), "SMTP_SECURITY": ("smtp_security", str),
    "SMTP_USERNAME": ("smtp_username", str), "SMTP_PASSWORD": ("smtp_password", str),
    "SMTP_FROM": ("smtp_from", str), "SMTP_TIMEOUT": ("smtp_timeout", float),
    "RETENTION_DAYS_INBOX": ("retention_days_inbox", int), "RETENTION_DAYS_AUDIT": ("retention_days_audit", int),
    "RETENTION_BATCH_SIZE": ("retention_batch_size", int),
    # HubSpot app
    "HUBSPOT_TIMEOUT": ("hubspot_timeout", float), "HUBSPOT_PKCE": ("hubspot_pkce", bool),
    "HUBSPOT_ACCEPT_V1_WEBHOOKS": ("hubspot_accept_v1_webhooks", bool),
    "HUBSPOT_COMPANY_ERP_PROPERTY": ("hubspot_company_erp_property", str),
}


def _convert(name: str, raw: str, kind: type) -> Any:
    try:
        if kind is list:
            return _list(raw)
        if kind is bool:
            if raw.strip().lower() not in ("1", "0", "true", "false", "yes", "no", "on", "off"):
                raise ValueError(raw)
            return raw.strip().lower() in ("1", "true", "yes", "on")
        return kind(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a valid {kind.__name__}") from None


def load_settings(environ: dict[str, str] | None = None, **overrides: Any) -> Settings:
    """Read settings from the environment, apply overrides, fill embedded defaults, validate."""
    environ = dict(os.environ if environ is None else environ)
    values: dict[str, Any] = {}
    for var, (attr, kind) in _ENV_MAP.items():
        if environ.get(var, "") != "":
            values[attr] = _convert(var, environ[var], kind)
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
    _check_retry_settings(s)
    _check_operations_settings(s)
    if s.is_production:
        problems = _production_problems(s)
        if problems:
            raise ConfigError("Invalid production configuration: " + "; ".join(problems))
        normalise_url(s.database_url)
        return replace(s, demo_enabled=False)
    updates: dict[str, Any] = {}
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


def _production_problems(s: Settings) -> list[str]:
    """Every reason this configuration may not run as production (empty: it may)."""
    problems = []
    if len(s.secret_key) < 32:
        problems.append("SECRET_KEY must be set to at least 32 random characters")
    if not s.encryption_keys:
        problems.append("ENCRYPTION_KEYS must list at least one Fernet key")
    if not s.database_url:
        problems.append("DATABASE_URL must be set")
    if not s.public_base_url.startswith("https://"):
        problems.append("PUBLIC_BASE_URL must be the public https:// address of this service")
    if s.demo_enabled:
        problems.append("DEMO_ENABLED=1 is not allowed: the demo CRM signs anyone in as an admin and hands out "
                        "signed widget credentials; unset DEMO_ENABLED")
    if "'self'" in s.frame_origins:
        problems.append("CRM_FRAME_ORIGINS must not contain 'self': only the CRM origins may frame the widget")
    if s.metrics_token and len(s.metrics_token) < 32:
        problems.append("METRICS_TOKEN must be at least 32 random characters")
    return problems


def _check_retry_settings(s: Settings) -> None:
    """Retry, back-off and cache bounds: refuse values that would break them."""
    problems = []
    if s.job_max_attempts < 1:
        problems.append("JOB_MAX_ATTEMPTS must be at least 1")
    if not 0 < s.job_backoff_base <= s.job_backoff_cap:
        problems.append("JOB_BACKOFF_BASE must be above 0 and at most JOB_BACKOFF_CAP")
    if not 0 <= s.job_backoff_floor <= 1:
        problems.append("JOB_BACKOFF_FLOOR must be a fraction between 0 and 1")
    if s.redis_retry_seconds <= 0:
        problems.append("REDIS_RETRY_SECONDS must be above 0")
    if s.panel_read_retries < 0:
        problems.append("PANEL_READ_RETRIES must be 0 or more")
    if s.cache_max_bytes < 1024 * 1024:
        problems.append("CACHE_MAX_BYTES must be at least 1048576 (1 MiB)")
    if s.tenant_cache_seconds <= 0:
        problems.append("TENANT_CACHE_SECONDS must be above 0")
    if problems:
        raise ConfigError("Invalid retry or cache settings: " + "; ".join(problems))
    if s.worker_threads < 1:
        raise ConfigError("WORKER_THREADS must be at least 1")
    if s.order_credit_max_age < 0:
        raise ConfigError("ORDER_CREDIT_MAX_AGE must be 0 (always read the credit) or more seconds")


def _check_operations_settings(s: Settings) -> None:
    problems = []
    if s.retention_days_inbox < 1 or s.retention_days_audit < 1:
        problems.append("RETENTION_DAYS_INBOX and RETENTION_DAYS_AUDIT must be at least 1 (days)")
    if not 1 <= s.retention_batch_size <= 10_000:
        problems.append("RETENTION_BATCH_SIZE must be between 1 and 10000")
    if s.alert_interval < 10:
        problems.append("ALERT_EVALUATION_INTERVAL must be at least 10 (seconds)")
    if s.smtp_security not in ("starttls", "ssl", "none"):
        problems.append("SMTP_SECURITY must be starttls, ssl or none")
    if s.smtp_host and not s.smtp_from:
        problems.append("SMTP_FROM must be set when SMTP_HOST is (the sender of alert e-mails)")
    if s.metrics_tenant_limit < 0 or not 0 <= s.worker_metrics_port <= 65535:
        problems.append("METRICS_TENANT_LIMIT must be 0 or more and WORKER_METRICS_PORT a port number (0: off)")
    if problems:
        raise ConfigError("Invalid operations settings: " + "; ".join(problems))


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
