"""Every Prometheus metric erp-panel exports, defined once (names, help texts, label sets).

Label sets are bounded: label values come from code (reason codes, section states, vendor
names, data kinds), never from requests. The ``tenant`` label is used only where an alert is
routed per tenant (sync failures, API budgets, auth failures, stale data) and is bounded by
``TenantLabels``: the first ``METRICS_TENANT_LIMIT`` tenants a process sees get their own value,
any further ones share ``other`` (their alerts still reach their owners through the embedded
alerting, which reads the database, not these labels).

Gauges declare how several processes combine in prometheus-client's multiprocess mode
(``PROMETHEUS_MULTIPROC_DIR``, see :mod:`app.ops.exposition`).
"""
from __future__ import annotations

import re
import threading

from prometheus_client import Counter, Gauge, Histogram

OTHER_TENANTS = "other"
NO_TENANT = "none"
DEFAULT_TENANT_LIMIT = 200


class TenantLabels:
    """Bounded tenant label values: the first ``limit`` distinct tenants, then ``other``."""

    def __init__(self, limit: int = DEFAULT_TENANT_LIMIT):
        self.limit = limit
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def label(self, tenant_id: str | None) -> str:
        """The label value for a tenant id (``none`` outside any tenant)."""
        if not tenant_id:
            return NO_TENANT
        with self._lock:
            if tenant_id in self._seen:
                return tenant_id
            if len(self._seen) < self.limit:
                self._seen.add(tenant_id)
                return tenant_id
        return OTHER_TENANTS


TENANTS = TenantLabels()


def tenant_label(tenant_id: str | None) -> str:
    """The bounded ``tenant`` label value for this process (see :class:`TenantLabels`)."""
    return TENANTS.label(tenant_id)


def vendor_label(name: str) -> str:
    """``Business Central`` -> ``business_central``: vendor names from code, as label values."""
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_") or "unknown"


# -- closed-won orders ----------------------------------------------------------------------
WON_EVENTS = Counter("erp_panel_won_events_total", "Won-deal events received, by intake outcome "
                     "(accepted, duplicate_event, duplicate_deal)", ["status"])
ORDER_JOBS = Counter("erp_panel_order_jobs_total", "Order jobs run, by kind and outcome (done; queued = retry "
                     "scheduled; dead; lease_lost)", ["kind", "outcome"])
ORDER_JOB_FAILURES = Counter("erp_panel_order_job_failures_total", "Failed order job attempts, by kind, "
                             "outcome (queued = will retry, dead) and reason code", ["kind", "outcome", "reason"])
WON_TO_NUMBER = Histogram("erp_panel_won_to_deal_number_seconds", "Time from the CRM's won event to the ERP "
                          "order number written onto the deal", ["crm"],
                          buckets=(5, 15, 30, 60, 120, 300, 600, 1800, 3600, 4 * 3600, 12 * 3600, 24 * 3600))

# -- syncs: the error-rate SLI (panel reads from the ERP and order job attempts) ---------------
SYNCS = Counter("erp_panel_syncs_total", "Syncs (panel reads from the ERP, order job attempts) by tenant, "
                "source (panel_read, order_job) and outcome (ok, failed)", ["tenant", "source", "outcome"])

# -- panel reads --------------------------------------------------------------------------------
PANEL_SECTIONS = Counter("erp_panel_panel_sections_total", "Panel sections served, by data kind and state "
                         "(ok, stale, retrying, unavailable, not_found, not_linked, error)", ["kind", "state"])
PANEL_CACHE = Counter("erp_panel_panel_cache_lookups_total", "Panel section cache lookups, by data kind and "
                      "result (hit: served from cache, miss: read from the ERP)", ["kind", "result"])
PANEL_DATA_AGE = Histogram("erp_panel_panel_data_age_seconds", "Age of the data in served panel sections "
                           "(ok and stale), by data kind", ["kind"],
                           buckets=(1, 10, 30, 60, 120, 300, 600, 900, 1800, 3600, 4 * 3600, 12 * 3600, 24 * 3600,
                                    48 * 3600))
STALE_EXCEEDED = Counter("erp_panel_panel_stale_limit_exceeded_total", "Panel sections that had nothing newer "
                         "than the kind's stale limit to show (served unavailable), by tenant and kind",
                         ["tenant", "kind"])

# -- outbound ERP and CRM calls -----------------------------------------------------------------
VENDOR_CALLS = Counter("erp_panel_vendor_calls_total", "Outbound ERP/CRM HTTP calls by vendor and outcome (ok, "
                       "redirect, auth_rejected, rate_limited, rejected, server_error, unreachable, refused)",
                       ["vendor", "outcome"])
VENDOR_LATENCY = Histogram("erp_panel_vendor_call_duration_seconds", "Duration of outbound ERP/CRM HTTP calls "
                           "(answered or not), by vendor", ["vendor"],
                           buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 20, 30))
BUDGET_USED = Gauge("erp_panel_vendor_api_budget_used_ratio", "Share of the vendor's API budget used, as last "
                    "reported by the vendor's rate-limit headers (1 after a 429)", ["tenant", "vendor"],
                    multiprocess_mode="mostrecent")
BUDGET_OBSERVED = Gauge("erp_panel_vendor_api_budget_observed_timestamp_seconds", "When the vendor last reported "
                        "its API budget (Unix time; a reading older than 10 minutes no longer counts)",
                        ["tenant", "vendor"], multiprocess_mode="mostrecent")
BUDGET_REMAINING = Gauge("erp_panel_vendor_api_budget_remaining", "Calls (or tokens) the vendor says are left in "
                         "its current rate-limit window", ["tenant", "vendor"], multiprocess_mode="mostrecent")
RATE_LIMITED = Counter("erp_panel_vendor_rate_limited_total", "Outbound calls the vendor answered with 429 "
                       "(the only budget signal of NetSuite and Business Central)", ["tenant", "vendor"])

# -- authentication -----------------------------------------------------------------------------
VENDOR_AUTH_FAILURES = Counter("erp_panel_vendor_auth_failures_total", "Our ERP or CRM credentials were refused "
                               "(after any token refresh), by tenant, system (erp, crm) and reason",
                               ["tenant", "system", "reason"])
INBOUND_AUTH_FAILURES = Counter("erp_panel_inbound_auth_failures_total", "Inbound requests refused because a "
                                "signature, JWT or token did not verify (401), by reason code", ["reason"])

# -- embedded alerting and retention ------------------------------------------------------------
ALERT_NOTIFICATIONS = Counter("erp_panel_alert_notifications_total", "Alert notifications sent by the embedded "
                              "alerting, by channel (email, webhook, slack) and outcome (sent, failed)",
                              ["channel", "outcome"])
RETENTION_DELETED = Counter("erp_panel_retention_deleted_rows_total", "Rows deleted by the retention job, by table",
                            ["table"])

# -- shared cache (Redis) -----------------------------------------------------------------------
REDIS_UP = Gauge("erp_panel_redis_up", "1 while the shared cache (Redis) answers, 0 while the in-process "
                 "fallback serves", multiprocess_mode="livemin")
CACHE_FALLBACKS = Counter("erp_panel_cache_fallback_total", "Cache operations answered by the in-process fallback "
                          "because Redis was unavailable", ["operation"])
DEFERRED_FLUSHES = Counter("erp_panel_cache_flushes_deferred_total",
                           "Cache flushes recorded for later because Redis was unavailable")
