"""The embedded alerting: evaluates the rules for every tenant and tells its owner, once.

For each (tenant, rule) one row in ``ops_alert_states`` remembers whether the rule fires and what
the owner was last told:

* a rule that starts firing is announced - unless a firing notice for the same rule went out less
  than ``rate_limit`` seconds ago (one alert per rule per hour); while it keeps firing nothing more
  is sent (de-duplicated); a notice that could not be delivered is tried again at the next
  evaluation;
* when it clears after its owner was told, a recovery message follows.

Only one worker evaluates per interval (see :mod:`app.ops.maintenance`), so several workers never
send the same notice twice.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import sqlalchemy as sa

from app.clock import Clock
from app.errors import UpstreamError
from app.net.policy import OutboundPolicy
from app.ops.channels import (
    Channel,
    EmailChannel,
    SlackChannel,
    SmtpConfig,
    SmtpFactory,
    WebhookChannel,
    connect_smtp,
)
from app.ops.contacts import AlertContacts, AlertContactsStore
from app.ops.inputs import TenantInputs, load_inputs
from app.ops.metrics import ALERT_NOTIFICATIONS
from app.ops.notice import FIRING, RESOLVED, TEST, Notice
from app.ops.rules import BUDGET_WINDOW, WINDOWS, Finding, Rule, evaluate
from app.ops.tables import ops_alert_states
from app.storage.db import Database, upsert
from app.tenants.model import Tenant
from app.tenants.store import TenantStore

log = logging.getLogger("erp_panel.ops")

RATE_LIMIT_SECONDS = 3600
TEST_RULE = Rule("test", "", "Test notification")


@dataclass(frozen=True)
class Delivery:
    channel: str
    error: str | None = None        # None: delivered

    @property
    def ok(self) -> bool:
        return self.error is None


class Notifier:
    """Delivers a notice to every channel of a tenant's contacts."""

    def __init__(self, smtp: SmtpConfig | None, policy: OutboundPolicy, clock: Clock, *, timeout: float = 10.0,
                 smtp_connect: SmtpFactory = connect_smtp):
        self.smtp = smtp
        self.policy = policy
        self.clock = clock
        self.timeout = timeout
        self.smtp_connect = smtp_connect

    def channels(self, contacts: AlertContacts) -> list[Channel]:
        """The channels a tenant configured (e-mail only when the operator configured SMTP)."""
        found: list[Channel] = []
        if contacts.email_to and self.smtp is not None:
            found.append(EmailChannel(self.smtp, contacts.email_to, self.smtp_connect))
        if contacts.webhook_url:
            found.append(WebhookChannel(contacts.webhook_url, contacts.webhook_secret, self.policy, self.timeout,
                                        self.clock.timestamp))
        if contacts.slack_webhook_url:
            found.append(SlackChannel(contacts.slack_webhook_url, self.timeout))
        return found

    def deliver(self, notice: Notice, contacts: AlertContacts) -> list[Delivery]:
        """Send to every channel; one failing channel does not stop the others."""
        results = []
        for channel in self.channels(contacts):
            try:
                channel.send(notice)
            except UpstreamError as exc:
                ALERT_NOTIFICATIONS.labels(channel.name, "failed").inc()
                log.warning("alert notice not delivered", extra={"ctx": {
                    "tenant_id": notice.tenant_id, "rule": notice.rule, "channel": channel.name,
                    "reason": exc.reason, "error": exc.message}})
                results.append(Delivery(channel.name, exc.message))
                continue
            ALERT_NOTIFICATIONS.labels(channel.name, "sent").inc()
            results.append(Delivery(channel.name))
        return results


class EmbeddedAlerts:
    """Evaluates every active tenant's rules and notifies owners (see the module docstring)."""

    def __init__(self, db: Database, clock: Clock, tenants: TenantStore, contacts: AlertContactsStore, notifier: Notifier,
                 base_url: str, *, rate_limit: float = RATE_LIMIT_SECONDS):
        self.db = db
        self.clock = clock
        self.tenants = tenants
        self.contacts = contacts
        self.notifier = notifier
        self.base_url = base_url.rstrip("/")
        self.rate_limit = rate_limit

    def evaluate_all(self) -> list[Notice]:
        """One evaluation of every rule for every active tenant; returns the notices delivered."""
        now = self.clock.now()
        inputs = load_inputs(self.db, now, WINDOWS, budget_window=BUDGET_WINDOW)
        with self.db.read() as conn:
            states = {(r.tenant_id, r.rule): r for r in conn.execute(sa.select(ops_alert_states))}
        sent: list[Notice] = []
        for tenant in self.tenants.list():
            if not tenant.active:
                continue
            tenant_inputs = inputs.get(tenant.id) or TenantInputs(tenant.id, now)
            for finding in evaluate(tenant_inputs):
                notice = self._apply(tenant, finding, states.get((tenant.id, finding.rule.name)), now)
                if notice is not None:
                    sent.append(notice)
        return sent

    def _apply(self, tenant: Tenant, finding: Finding, state: sa.Row | None, now: datetime) -> Notice | None:
        firing_before = bool(state and state.firing)
        notified = state.notified if state else None
        last_notice = state.last_notice_at if state else None
        since_before = state.since if state is not None else None
        summary_before = state.summary if state is not None else ""
        values: dict = {}
        notice = None
        if finding.firing:
            values = {"firing": True, "summary": finding.summary[:1000],
                      "since": since_before if firing_before and since_before else now}
            quiet = last_notice is None or now - last_notice >= timedelta(seconds=self.rate_limit)
            if notified != FIRING and quiet:
                notice = self._send(tenant, finding, FIRING, now)
                if notice is not None:
                    values.update(notified=FIRING, last_notice_at=now)
        elif firing_before or notified == FIRING:
            values = {"firing": False, "since": now if firing_before else since_before}
            if notified == FIRING:
                resolved = replace(finding, summary=f"{finding.rule.title}: back to normal. It was: {summary_before}")
                notice = self._send(tenant, resolved, RESOLVED, now)
                if notice is not None:
                    values["notified"] = RESOLVED
        if values:
            with self.db.write() as conn:
                upsert(conn, ops_alert_states, {"tenant_id": tenant.id, "rule": finding.rule.name},
                       {**values, "updated_at": now})
        return notice

    def _send(self, tenant: Tenant, finding: Finding, state: str, now: datetime) -> Notice | None:
        """Deliver; the notice when at least one channel took it, else None (tried again next time)."""
        contacts = self.contacts.get(tenant.id)
        notice = self.notice(tenant, contacts, finding, state, now)
        deliveries = self.notifier.deliver(notice, contacts)
        return notice if any(d.ok for d in deliveries) else None

    def notice(self, tenant: Tenant, contacts: AlertContacts, finding: Finding, state: str,
               now: datetime) -> Notice:
        """The message for one finding."""
        return Notice(tenant.id, tenant.name or tenant.installation_id, contacts.owner_name, finding.rule.name,
                      finding.rule.title, state, finding.summary, self.base_url + finding.fix_path, finding.fix_label,
                      now, finding.details if state != RESOLVED else (), finding.deals if state != RESOLVED else ())

    def send_test(self, tenant: Tenant) -> list[Delivery]:
        """The settings page's test button: one test notice to every configured channel, now."""
        contacts = self.contacts.get(tenant.id)
        finding = Finding(TEST_RULE, True, "This is a test of erp-panel's alerts. If you read this, alerts reach "
                                           "you on this channel.", fix_path="/admin/settings#alerts",
                          fix_label="Alert settings")
        return self.notifier.deliver(self.notice(tenant, contacts, finding, TEST, self.clock.now()), contacts)

