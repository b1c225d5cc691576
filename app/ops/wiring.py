"""Builds the operations services of one process (``services.ops``)."""
from __future__ import annotations

from dataclasses import dataclass

from app.clock import Clock
from app.config import Settings, outbound_policy
from app.ops.alerting import EmbeddedAlerts, Notifier
from app.ops.channels import SmtpConfig
from app.ops.collector import DatabaseCollector
from app.ops.contacts import AlertContactsStore
from app.ops.maintenance import Maintenance, TaskClaims
from app.ops.metrics import TENANTS
from app.ops.observe import Observer
from app.ops.retention import Retention, default_targets
from app.ops.signals import Signals
from app.storage.crypto import SecretBox
from app.storage.db import Database
from app.tenants.store import TenantStore


@dataclass
class OpsServices:
    """``services.ops``: observation seams, embedded alerting, retention and the scrape-time collector."""

    signals: Signals
    observer: Observer
    contacts: AlertContactsStore
    alerts: EmbeddedAlerts
    retention: Retention
    maintenance: Maintenance
    collector: DatabaseCollector


def build_ops(settings: Settings, clock: Clock, db: Database, secrets: SecretBox, tenants: TenantStore) -> OpsServices:
    """The operations services for one process."""
    TENANTS.limit = settings.metrics_tenant_limit
    signals = Signals(db, clock)
    policy = outbound_policy(settings)
    contacts = AlertContactsStore(db, secrets, clock, policy)
    notifier = Notifier(SmtpConfig.from_settings(settings), policy, clock, timeout=settings.smtp_timeout)
    alerts = EmbeddedAlerts(db, clock, tenants, contacts, notifier, settings.public_base_url)
    retention = Retention(db, clock, default_targets(settings), batch_size=settings.retention_batch_size)
    maintenance = Maintenance(TaskClaims(db, clock), signals,
                              alerts=alerts.evaluate_all if settings.embedded_alerts else None,
                              retention=retention.run_once, alert_interval=settings.alert_interval)
    return OpsServices(signals=signals, observer=Observer(signals), contacts=contacts, alerts=alerts,
                       retention=retention, maintenance=maintenance, collector=DatabaseCollector(db, clock))
