"""Who is told about a tenant's alerts and how: the named owner and the channels (e-mail, webhook, Slack).

Webhook and Slack addresses carry their own credentials (a Slack incoming-webhook URL *is* the
secret), so they and the webhook signing secret are stored encrypted like the ERP secrets and
never shown back: a blank field keeps the stored value, "remove" clears it.
"""
from __future__ import annotations

import json
import re
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa

from app.clock import Clock
from app.net.policy import OutboundPolicy, URLRefused
from app.ops.tables import ops_alert_settings
from app.storage.crypto import SecretBox
from app.storage.db import Database, upsert
from app.tenants.settings_rules import Issue, clean_text, raise_if

SECRET_FIELDS = ("webhook_url", "webhook_secret", "slack_webhook_url")
MAX_RECIPIENTS = 5
_EMAIL = re.compile(r"^[^@\s,;<>\"]+@[^@\s,;<>\"]+\.[^@\s,;<>\"]+$")
#: Slack incoming webhooks are https://hooks.slack.com/services/... (https://api.slack.com/messaging/webhooks)
SLACK_HOST = "hooks.slack.com"


@dataclass(frozen=True)
class AlertContacts:
    """A tenant's alert owner and channels (secrets in clear: only for the code that sends)."""

    tenant_id: str
    owner_name: str = ""
    email_to: tuple[str, ...] = ()
    webhook_url: str = ""
    webhook_secret: str = ""
    slack_webhook_url: str = ""

    @property
    def has_channel(self) -> bool:
        return bool(self.email_to or self.webhook_url or self.slack_webhook_url)

    def channels(self) -> dict[str, str]:
        """The secret channel settings in clear (to compare before/after; never shown or stored as is)."""
        return {name: getattr(self, name) for name in SECRET_FIELDS}

    def redacted(self) -> dict[str, Any]:
        """What the settings page may show: names and addresses, and only *whether* secrets are set."""
        return {"owner_name": self.owner_name, "email_to": ", ".join(self.email_to),
                **{f"{name}_set": bool(getattr(self, name)) for name in SECRET_FIELDS}}


class AlertContactsStore:
    """Reads, validates and writes alert contacts (secrets through SecretBox)."""

    def __init__(self, db: Database, secrets: SecretBox, clock: Clock, policy: OutboundPolicy):
        self.db = db
        self.secrets = secrets
        self.clock = clock
        self.policy = policy

    def get(self, tenant_id: str) -> AlertContacts:
        with self.db.read() as conn:
            row = conn.execute(sa.select(ops_alert_settings).where(
                ops_alert_settings.c.tenant_id == tenant_id)).first()
        if row is None:
            return AlertContacts(tenant_id)
        channels = json.loads(self.secrets.decrypt(row.channels_enc)) if row.channels_enc else {}
        return AlertContacts(tenant_id, row.owner_name, tuple(a for a in row.email_to.split(",") if a),
                             **{name: str(channels.get(name, "")) for name in SECRET_FIELDS})

    def save(self, contacts: AlertContacts) -> None:
        secrets = {name: value for name, value in contacts.channels().items() if value}
        with self.db.write() as conn:
            upsert(conn, ops_alert_settings, {"tenant_id": contacts.tenant_id}, {
                "owner_name": contacts.owner_name, "email_to": ",".join(contacts.email_to),
                "channels_enc": self.secrets.encrypt(json.dumps(secrets)) if secrets else None,
                "updated_at": self.clock.now()})

    def rotate_secrets(self) -> int:
        """Re-encrypt every stored channel secret under the newest key (``erp-panel rotate-keys``)."""
        count = 0
        with self.db.write() as conn:
            for row in conn.execute(sa.select(ops_alert_settings.c.tenant_id, ops_alert_settings.c.channels_enc)
                                    .where(ops_alert_settings.c.channels_enc.is_not(None))).all():
                conn.execute(ops_alert_settings.update().where(ops_alert_settings.c.tenant_id == row.tenant_id)
                             .values(channels_enc=self.secrets.rotate(row.channels_enc)))
                count += 1
        return count

    def prepare(self, tenant_id: str, values: dict[str, Any], remove: AbstractSet[str] = frozenset()) -> AlertContacts:
        """Submitted values -> contacts (blank secrets keep the stored ones); SettingsInvalid lists every problem."""
        issues: list[Issue] = []
        stored = self.get(tenant_id)
        owner = clean_text(values.get("owner_name"), "owner_name", "The owner's name", issues, required=False)
        recipients = self._recipients(values.get("email_to"), issues)
        chosen: dict[str, str] = {}
        for name in SECRET_FIELDS:
            given = clean_text(values.get(name), name, _LABELS[name], issues, required=False, max_length=500)
            chosen[name] = "" if name in remove else (given or getattr(stored, name))
            if given and name != "webhook_secret":
                self._check_url(name, given, issues)
        contacts = AlertContacts(tenant_id, owner, recipients, **chosen)
        if contacts.has_channel and not owner:
            issues.append(Issue("owner_name", "owner_required", "Name the person who owns these alerts."))
        if contacts.webhook_secret and not contacts.webhook_url:
            issues.append(Issue("webhook_secret", "webhook_missing", "A signing secret needs a webhook address."))
        raise_if(issues)
        return contacts

    def _recipients(self, value: Any, issues: list[Issue]) -> tuple[str, ...]:
        text = clean_text(value, "email_to", "The e-mail addresses", issues, required=False, max_length=1000)
        addresses = tuple(dict.fromkeys(a.strip() for a in re.split(r"[,;\s]+", text) if a.strip()))
        bad = [a for a in addresses if not _EMAIL.match(a) or len(a) > 254]
        if bad:
            issues.append(Issue("email_to", "bad_email", f"Not an e-mail address: {', '.join(bad)}."))
        if len(addresses) > MAX_RECIPIENTS:
            issues.append(Issue("email_to", "too_many_recipients",
                                f"Send alerts to at most {MAX_RECIPIENTS} addresses (use a mailing list)."))
        return addresses

    def _check_url(self, name: str, url: str, issues: list[Issue]) -> None:
        if name == "slack_webhook_url":
            parts = urlsplit(url)
            if parts.scheme != "https" or (parts.hostname or "").lower() != SLACK_HOST:
                issues.append(Issue(name, "not_slack_webhook", "A Slack incoming webhook address starts with "
                                                               f"https://{SLACK_HOST}/services/."))
            return
        try:
            self.policy.check_url(url)
        except URLRefused as exc:
            issues.append(Issue(name, exc.reason, exc.message))


_LABELS = {"webhook_url": "The webhook address", "webhook_secret": "The webhook signing secret",
           "slack_webhook_url": "The Slack webhook address"}
