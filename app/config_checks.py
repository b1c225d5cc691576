"""What settings must hold before a process starts: production safety and sane retry numbers."""
from __future__ import annotations

from typing import TYPE_CHECKING

from app.errors import ConfigError

if TYPE_CHECKING:   # app.config imports this module while it builds the settings
    from app.config import Settings

#: the built-in sandbox ERP (a demo surface: never in production)
SANDBOX_CONNECTOR = "sandbox"


def production_problems(s: Settings) -> list[str]:
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
    if s.erp_connector == SANDBOX_CONNECTOR:
        problems.append("ERP_CONNECTOR=sandbox is not allowed: the sandbox ERP is a demo surface with generated "
                        "data; set ERP_CONNECTOR to a real ERP (or leave it empty)")
    if "'self'" in s.frame_origins:
        problems.append("CRM_FRAME_ORIGINS must not contain 'self': only the CRM origins may frame the widget")
    if s.metrics_token and len(s.metrics_token) < 32:
        problems.append("METRICS_TOKEN must be at least 32 random characters")
    return problems


def check_retry_settings(s: Settings) -> None:
    """ConfigError listing every retry or cache setting out of range."""
    problems = _retry_problems(s) + _cache_problems(s)
    if problems:
        raise ConfigError("Invalid retry or cache settings: " + "; ".join(problems))
    if s.worker_threads < 1:
        raise ConfigError("WORKER_THREADS must be at least 1")
    if s.order_credit_max_age < 0:
        raise ConfigError("ORDER_CREDIT_MAX_AGE must be 0 (always read the credit) or more seconds")
    if s.readiness_ttl < 0 or s.readiness_timeout <= 0:
        raise ConfigError("READINESS_TTL must be 0 or more seconds and READINESS_TIMEOUT above 0")


def _retry_problems(s: Settings) -> list[str]:
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
    if s.erp_http_retries < 0:
        problems.append("ERP_HTTP_RETRIES must be 0 or more")
    return problems


def _cache_problems(s: Settings) -> list[str]:
    problems = []
    if s.cache_max_bytes < 1024 * 1024:
        problems.append("CACHE_MAX_BYTES must be at least 1048576 (1 MiB)")
    if s.tenant_cache_seconds <= 0:
        problems.append("TENANT_CACHE_SECONDS must be above 0")
    return problems


def check_operations_settings(s: Settings) -> None:
    """ConfigError listing every operations setting out of range."""
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
