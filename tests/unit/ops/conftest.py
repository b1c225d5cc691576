"""An app with an SMTP server configured (a fake one), a Slack and a generic webhook receiver, and an owner."""
from __future__ import annotations

import pytest
import responses

from tests.unit.ops.support import SLACK, WEBHOOK, FakeSMTP, save_contacts, smtp_settings


@pytest.fixture
def svc(app_factory):
    """Services of an app whose operator configured an SMTP server."""
    return app_factory(**smtp_settings()).extensions["erp_panel"]


@pytest.fixture
def tenant(svc):
    return svc.tenants.find("demo", "demo-company")


@pytest.fixture
def smtp(svc) -> FakeSMTP:
    fake = FakeSMTP()
    svc.ops.alerts.notifier.smtp_connect = fake.connect
    return fake


@pytest.fixture
def receivers():
    """The generic webhook and Slack answer like the real ones (200; Slack's body is 'ok')."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.post(WEBHOOK, status=204)
        mock.post(SLACK, body="ok")
        yield mock


@pytest.fixture
def owner(svc, tenant):
    return save_contacts(svc, tenant, email_to=("dana@example.com",), webhook_url=WEBHOOK,
                         webhook_secret="s3cret-signing-key", slack_webhook_url=SLACK)
