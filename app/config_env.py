"""Which environment variable sets which setting, and how its text becomes the setting's type."""
from __future__ import annotations

from typing import Any

from app.errors import ConfigError

#: environment variable -> (setting name, type)
ENV_MAP: dict[str, tuple[str, type]] = {
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
    "ERP_HTTP_RETRIES": ("erp_http_retries", int),
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
    "READINESS_TTL": ("readiness_ttl", int), "READINESS_TIMEOUT": ("readiness_timeout", float),
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
    # Salesforce connected app
    "SALESFORCE_CLIENT_ID": ("salesforce_client_id", str),
    "SALESFORCE_CLIENT_SECRET": ("salesforce_client_secret", str),
    "SALESFORCE_TIMEOUT": ("salesforce_timeout", float),
}


def convert(name: str, raw: str, kind: type) -> Any:
    """An environment value as the setting's type; ConfigError naming the variable when it is not one."""
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


def _list(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]
