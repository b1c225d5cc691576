"""The settings page's Alerts section: owner and channels (secrets encrypted, never shown back), the test button."""
from __future__ import annotations

import json

import responses
import sqlalchemy as sa

from app.ops.tables import ops_alert_settings
from tests.scenarios.admin_support import csrf_of, page_text, post_form, sign_in
from tests.unit.ops.support import SLACK, WEBHOOK

CHANNELS = {"owner_name": "Dana Ops", "email_to": "dana@example.com", "webhook_url": WEBHOOK,
            "webhook_secret": "sign-me", "slack_webhook_url": SLACK}


def test_the_owner_and_channels_are_saved_and_secrets_never_shown_back(client, services, demo_tenant):
    sign_in(client, services, demo_tenant.id)
    page = page_text(client.get("/admin/settings"))
    assert 'id="alerts"' in page and "more than 1 % of syncs" in page and "E-mail alerts need the operator" in page
    saved = post_form(client, "/admin/settings/alerts", CHANNELS)
    assert saved.status_code == 303 and saved.headers["Location"].endswith("?done=alerts_saved#alerts")
    page = page_text(client.get("/admin/settings?done=alerts_saved"))
    assert "The alert settings were saved." in page and 'value="Dana Ops"' in page
    assert WEBHOOK not in page and SLACK not in page and "sign-me" not in page
    assert page.count("Set. Leave blank to keep the stored value.") >= 3
    with services.db.read() as conn:
        stored = conn.execute(sa.select(ops_alert_settings.c.channels_enc)).scalar()
    assert "hooks" not in stored and "sign-me" not in stored
    post_form(client, "/admin/settings/alerts", {"owner_name": "Dana Ops", "email_to": "", "remove": "slack_webhook_url"})
    contacts = services.ops.contacts.get(demo_tenant.id)
    assert contacts.webhook_url == WEBHOOK and contacts.slack_webhook_url == "" and contacts.email_to == ()


def test_rejected_values_are_explained_next_to_their_fields(client, services, demo_tenant):
    sign_in(client, services, demo_tenant.id)
    response = post_form(client, "/admin/settings/alerts", {"email_to": "dana@", "webhook_url": "https://10.1.2.3/x"})
    page = page_text(response)
    assert response.status_code == 422
    assert "Not an e-mail address: dana@." in page and "private, loopback or reserved address" in page
    assert "Name the person who owns these alerts." in page and 'value="dana@"' in page
    assert services.ops.contacts.get(demo_tenant.id).has_channel is False


def test_the_test_button_sends_to_every_channel_and_says_what_each_answered(client, services, demo_tenant):
    sign_in(client, services, demo_tenant.id)
    services.ops.contacts.save(services.ops.contacts.prepare(demo_tenant.id, CHANNELS))
    with responses.RequestsMock() as mock:
        mock.post(WEBHOOK, status=200)
        mock.post(SLACK, status=404, body="channel_not_found")
        page = page_text(post_form(client, "/admin/settings/alerts/test", {}))
        test = json.loads(mock.calls[0].request.body)
    assert "Webhook: the test alert was sent." in page
    assert "Slack: not sent – Slack answered HTTP 404 (channel_not_found)." in page
    assert test["state"] == "test" and test["owner"] == "Dana Ops"
    assert test["fix_url"] == "https://erp-panel.test/admin/settings#alerts"


def test_the_test_button_without_channels_says_what_to_do(client, services, demo_tenant):
    sign_in(client, services, demo_tenant.id)
    assert "No channel is set up yet" in page_text(post_form(client, "/admin/settings/alerts/test", {}))


def test_alert_writes_need_the_csrf_token(client, services, demo_tenant):
    sign_in(client, services, demo_tenant.id)
    csrf_of(client)
    for path in ("/admin/settings/alerts", "/admin/settings/alerts/test"):
        assert client.post(path, data=CHANNELS).status_code == 403
    assert services.ops.contacts.get(demo_tenant.id).owner_name == ""
