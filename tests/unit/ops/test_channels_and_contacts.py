"""Notifier channels (SMTP with TLS and a timeout, signed webhook, Slack) and the owner's contacts (secrets encrypted)."""
from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
from datetime import UTC, datetime

import pytest
import responses
import sqlalchemy as sa

from app.errors import UpstreamError
from app.net.policy import OutboundPolicy
from app.ops.channels import (
    EmailChannel,
    SlackChannel,
    SmtpConfig,
    WebhookChannel,
    connect_smtp,
)
from app.ops.inputs import AffectedDeal
from app.ops.notice import FIRING, Notice
from app.ops.tables import ops_alert_settings
from app.tenants.settings_rules import SettingsInvalid
from tests.unit.ops.support import SLACK, WEBHOOK, FakeSMTP

NOTICE = Notice("t1", "Acme <GmbH> & Co", "Dana", "sync_failures", "Syncs are failing", FIRING,
                "3 of 10 syncs failed.", "https://erp-panel.test/admin/settings#errors", "Open the error queue",
                datetime(2026, 11, 23, 12, 0, tzinfo=UTC),
                deals=(AffectedDeal("42", "unknown_sku", "queued", "100", "USD"),
                       AffectedDeal("43", "erp_unavailable", "queued", None, None)))
SMTP = SmtpConfig("smtp.example.com", 587, "starttls", "mailer", "pw", "alerts@erp-panel.test", 7.5)


def test_connect_smtp_uses_starttls_login_and_the_timeout(monkeypatch):
    calls = []

    class Server:
        def __init__(self, host, port, timeout):
            calls.append(("connect", host, port, timeout))

        def starttls(self, context):
            calls.append(("starttls", context.verify_mode.name))

        def login(self, user, password):
            calls.append(("login", user))
    monkeypatch.setattr(smtplib, "SMTP", Server)
    connect_smtp(SMTP)
    assert calls == [("connect", "smtp.example.com", 587, 7.5), ("starttls", "CERT_REQUIRED"), ("login", "mailer")]


def test_connect_smtp_with_implicit_tls(monkeypatch):
    seen = {}
    monkeypatch.setattr(smtplib, "SMTP_SSL", lambda host, port, timeout, context: seen.update(port=port) or seen)
    config = SmtpConfig("smtp.example.com", 465, "ssl", "", "", "a@b.test", 5)
    assert connect_smtp(config) is seen and seen == {"port": 465}


def test_email_lists_deals_and_value_at_stake_and_reports_failures_without_details():
    smtp = FakeSMTP()
    EmailChannel(SMTP, ("a@example.com", "b@example.com"), smtp.connect).send(NOTICE)
    message = smtp.sent[0]
    assert message["To"] == "a@example.com, b@example.com"
    body = message.get_content()
    assert "Deal 42 (100.00 USD): unknown_sku, will be retried" in body
    assert "Deal 43 (value not read yet): erp_unavailable" in body and "Value at stake: 100.00 USD" in body
    smtp.fail = smtplib.SMTPRecipientsRefused({"a@example.com": (550, b"no such user a@example.com")})
    with pytest.raises(UpstreamError) as failed:
        EmailChannel(SMTP, ("a@example.com",), smtp.connect).send(NOTICE)
    assert "a@example.com" not in failed.value.message and "SMTPRecipientsRefused" in failed.value.message


@responses.activate
def test_webhook_is_signed_so_the_receiver_can_check_it():
    responses.post(WEBHOOK, status=200)
    WebhookChannel(WEBHOOK, "topsecret", OutboundPolicy(), 5, lambda: 1_795_000_000.7).send(NOTICE)
    request = responses.calls[0].request
    stamp = request.headers["X-ERP-Panel-Timestamp"]
    expected = hmac.new(b"topsecret", stamp.encode() + b"." + request.body, hashlib.sha256).hexdigest()
    assert stamp == "1795000000" and request.headers["X-ERP-Panel-Signature"] == f"v1={expected}"
    assert json.loads(request.body)["tenant"] == {"id": "t1", "name": "Acme <GmbH> & Co"}


@responses.activate
def test_webhook_errors_and_refused_addresses():
    responses.post(WEBHOOK, status=410)
    with pytest.raises(UpstreamError, match="answered HTTP 410"):
        WebhookChannel(WEBHOOK, "", OutboundPolicy(), 5, lambda: 0).send(NOTICE)
    with pytest.raises(UpstreamError, match="private, loopback"):
        WebhookChannel("https://192.168.1.10/hook", "", OutboundPolicy(), 5, lambda: 0).send(NOTICE)
    assert len(responses.calls) == 1


@responses.activate
def test_slack_text_is_escaped_and_its_error_codes_reported():
    responses.post(SLACK, body="ok")
    SlackChannel(SLACK, 5).send(NOTICE)
    text = json.loads(responses.calls[0].request.body)["text"]
    assert "Acme &lt;GmbH&gt; &amp; Co" in text and text.endswith("<https://erp-panel.test/admin/settings#errors|"
                                                                  "Open the error queue>")
    responses.replace("POST", SLACK, status=403, body="action_prohibited")
    with pytest.raises(UpstreamError, match=r"Slack answered HTTP 403 \(action_prohibited\)"):
        SlackChannel(SLACK, 5).send(NOTICE)


def test_contacts_secrets_are_encrypted_and_never_shown_back(services, demo_tenant):
    store = services.ops.contacts
    contacts = store.prepare(demo_tenant.id, {"owner_name": " Dana Ops ", "email_to": "dana@example.com; ops@example.com",
                                              "webhook_url": WEBHOOK, "webhook_secret": "sig-secret",
                                              "slack_webhook_url": SLACK})
    store.save(contacts)
    with services.db.read() as conn:
        row = conn.execute(sa.select(ops_alert_settings)).one()
    assert row.email_to == "dana@example.com,ops@example.com"
    assert "hooks" not in row.channels_enc and "sig-secret" not in row.channels_enc
    assert store.get(demo_tenant.id) == contacts
    assert store.get(demo_tenant.id).redacted() == {"owner_name": "Dana Ops", "email_to": "dana@example.com, ops@example.com",
                                                    "webhook_url_set": True, "webhook_secret_set": True,
                                                    "slack_webhook_url_set": True}
    kept = store.prepare(demo_tenant.id, {"owner_name": "Dana", "email_to": "", "webhook_url": ""},
                         remove={"slack_webhook_url"})
    assert (kept.webhook_url, kept.webhook_secret, kept.slack_webhook_url) == (WEBHOOK, "sig-secret", "")


def test_contacts_are_validated(services, demo_tenant):
    with pytest.raises(SettingsInvalid) as invalid:
        services.ops.contacts.prepare(demo_tenant.id, {
            "email_to": "not-an-address, a@b.c, c@d.e, e@f.g, g@h.i, i@j.k", "webhook_url": "http://10.0.0.1/x",
            "slack_webhook_url": "https://evil.example.com/services/x", "webhook_secret": "s"})
    reasons = {issue.field: issue.reason for issue in invalid.value.issues}
    assert reasons == {"email_to": "too_many_recipients", "webhook_url": "url_not_https",
                       "slack_webhook_url": "not_slack_webhook", "owner_name": "owner_required"}
    assert "Not an e-mail address: not-an-address." in invalid.value.by_field()["email_to"]


def test_rotate_keys_re_encrypts_the_channel_secrets(services, demo_tenant, monkeypatch, base_config):
    from click.testing import CliRunner
    from cryptography.fernet import Fernet

    from app.cli import main
    services.ops.contacts.save(services.ops.contacts.prepare(demo_tenant.id, {"owner_name": "Dana",
                                                                              "slack_webhook_url": SLACK}))
    new_key, old_key = Fernet.generate_key().decode(), base_config["encryption_keys"][0]
    monkeypatch.setenv("DATABASE_URL", base_config["database_url"])
    monkeypatch.setenv("SECRET_KEY", base_config["secret_key"])
    monkeypatch.setenv("ENCRYPTION_KEYS", f"{new_key},{old_key}")
    result = CliRunner().invoke(main, ["rotate-keys"])
    assert result.exit_code == 0, result.output
    with services.db.read() as conn:
        token = conn.execute(sa.select(ops_alert_settings.c.channels_enc)).scalar()
    assert json.loads(Fernet(new_key.encode()).decrypt(token.encode()))["slack_webhook_url"] == SLACK
