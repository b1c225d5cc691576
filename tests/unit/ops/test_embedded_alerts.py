"""Each alert fires on its threshold and clears: evaluated by the worker from the database, told to the
tenant's owner once by e-mail, webhook and Slack (with deal values and the fix), then a recovery message."""
from __future__ import annotations

import smtplib
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.ops.budget import Budget
from app.ops.contacts import AlertContacts
from app.ops.signals import AUTH_FAILURE, JOB_FAILED, READ_FAILED, READ_OK, STALE_EXCEEDED
from app.ops.tables import ops_alert_states
from app.orders.tables import order_jobs
from tests.unit.ops.support import SLACK, WEBHOOK, failing_job, payloads


def evaluate(svc) -> list[tuple[str, str]]:
    return [(n.rule, n.state) for n in svc.ops.alerts.evaluate_all()]


def count(svc, tenant, signal: str, subject: str = "", n: int = 1) -> None:
    svc.ops.signals.add(tenant.id, signal, subject, n)
    svc.ops.signals.flush()


def state(svc, tenant, rule: str):
    with svc.db.read() as conn:
        return conn.execute(sa.select(ops_alert_states).where(ops_alert_states.c.tenant_id == tenant.id,
                                                             ops_alert_states.c.rule == rule)).first()


pytestmark = pytest.mark.usefixtures("owner")


def test_sync_failures_fire_above_one_percent_name_the_deals_and_clear(svc, tenant, clock, smtp, receivers):
    count(svc, tenant, READ_OK, "credit", 99)
    count(svc, tenant, JOB_FAILED, "create_order")
    assert evaluate(svc) == []                                       # 1 of 100: not above 1 %
    failing_job(svc, tenant, "D-77", value="12400.5", currency="eur")
    count(svc, tenant, READ_FAILED, "stock")
    assert evaluate(svc) == [("sync_failures", "firing")]            # 2 of 101

    mail = smtp.sent[0]
    assert mail["To"] == "dana@example.com" and mail["From"] == "alerts@erp-panel.test"
    assert mail["Subject"] == "[erp-panel] ALERT: Syncs are failing (Demo Company)"
    body = mail.get_content()
    assert "Hello Dana Ops," in body and "2 of 101 syncs failed in the last hour (2 %" in body
    assert "Deal D-77 (12,400.50 EUR): unknown_sku, given up: replay it after the fix" in body
    assert "Value at stake: 12,400.50 EUR" in body
    assert "Open the error queue: https://erp-panel.test/admin/settings#errors" in body
    assert smtp.sessions[0]["timeout"] == 10.0 and smtp.sessions[0]["quit"]
    hook = payloads(receivers, WEBHOOK)[0]
    assert (hook["rule"], hook["state"], hook["value_at_stake"]) == ("sync_failures", "firing", "12,400.50 EUR")
    assert hook["deals"] == [{"crm_deal_id": "D-77", "value": "12400.5", "currency": "EUR", "reason": "unknown_sku",
                              "status": "dead"}]
    slack = payloads(receivers, SLACK)[0]["text"]
    assert slack.startswith("*[erp-panel] ALERT: Syncs are failing") and "<https://erp-panel.test/admin/settings#errors|" in slack

    assert evaluate(svc) == []                                       # still firing: told once
    clock.advance(minutes=61)
    assert evaluate(svc) == [("sync_failures", "resolved")]          # the hour passed without failures
    assert smtp.sent[-1]["Subject"] == "[erp-panel] RESOLVED: Syncs are failing (Demo Company)"
    assert "back to normal. It was: 2 of 101 syncs failed" in smtp.sent[-1].get_content()
    assert evaluate(svc) == [] and len(smtp.sent) == 2


def test_api_budget_fires_above_seventy_percent_and_clears(svc, tenant, smtp, receivers):
    def report(remaining: float) -> None:
        svc.ops.signals.note_budget(tenant.id, "hubspot", Budget(limit=100, remaining=remaining))
        svc.ops.signals.flush()
    report(30)
    assert evaluate(svc) == []                                       # 70 %: at the threshold
    report(25)
    assert evaluate(svc) == [("api_budget", "firing")]
    assert "HubSpot: 75 % of the current limit used (25 left)." in smtp.sent[0].get_content()
    report(90)
    assert evaluate(svc) == [("api_budget", "resolved")]


def test_a_budget_nobody_reported_for_ten_minutes_stops_the_alert(svc, tenant, clock, smtp, receivers):
    svc.ops.signals.note_budget(tenant.id, "pipedrive", Budget.exhausted())
    svc.ops.signals.flush()
    assert evaluate(svc) == [("api_budget", "firing")]
    clock.advance(minutes=11)
    assert evaluate(svc) == [("api_budget", "resolved")]


def test_data_older_than_its_stale_limit_fires_and_clears(svc, tenant, clock, smtp, receivers):
    count(svc, tenant, STALE_EXCEEDED, "credit")
    assert evaluate(svc) == [("stale_data", "firing")]
    assert "Test the ERP connection: https://erp-panel.test/admin/settings#erp" in smtp.sent[0].get_content()
    clock.advance(minutes=16)
    assert evaluate(svc) == [("stale_data", "resolved")]


def test_an_auth_failure_fires_at_the_next_evaluation_and_clears(svc, tenant, clock, smtp, receivers):
    svc.ops.signals.add(tenant.id, AUTH_FAILURE, "erp", urgent=True)     # written at once, no flush needed
    assert evaluate(svc) == [("auth_failure", "firing")]
    assert smtp.sent[0]["Subject"] == "[erp-panel] ALERT: Credentials refused (Demo Company)"
    clock.advance(minutes=16)
    assert evaluate(svc) == [("auth_failure", "resolved")]


def test_error_budget_burn_uses_both_windows_and_clears_when_the_short_one_recovers(svc, tenant, clock, smtp,
                                                                                 receivers):
    count(svc, tenant, READ_OK, "credit", 92)
    count(svc, tenant, READ_FAILED, "credit", 8)                     # 8 %: more than 14.4 x the 0.5 % budget
    assert sorted(evaluate(svc)) == [("error_budget_burn", "firing"), ("sync_failures", "firing")]
    clock.advance(minutes=6)                                         # the 5-minute window is clean; 30 min is not
    assert evaluate(svc) == []                                       # slow burn (6 h and 30 min above 6x) holds it
    clock.advance(minutes=25)
    assert evaluate(svc) == [("error_budget_burn", "resolved")]      # both short windows clean


def test_queue_age_fires_after_five_minutes_and_clears_when_the_job_runs(svc, tenant, clock, smtp, receivers):
    due = clock.now() - timedelta(minutes=4)
    with svc.db.write() as conn:
        job_id = conn.execute(order_jobs.insert().values(
            tenant_id=tenant.id, kind="create_order", crm_deal_id="D-1", event_id="e", correlation_id="c",
            status="queued", attempts=0, max_attempts=15, run_after=due, created_at=due, updated_at=due)
        ).inserted_primary_key[0]
    assert evaluate(svc) == []
    clock.advance(minutes=2)
    assert evaluate(svc) == [("queue_age", "firing")]
    assert "The oldest order job has waited 6 min for a worker" in smtp.sent[0].get_content()
    with svc.db.write() as conn:
        conn.execute(order_jobs.update().where(order_jobs.c.id == job_id).values(status="done"))
    assert evaluate(svc) == [("queue_age", "resolved")]


def test_one_alert_per_rule_per_hour(svc, tenant, clock, smtp, receivers):
    svc.ops.signals.add(tenant.id, AUTH_FAILURE, "erp", urgent=True)
    assert evaluate(svc) == [("auth_failure", "firing")]
    clock.advance(minutes=16)
    assert evaluate(svc) == [("auth_failure", "resolved")]
    clock.advance(minutes=4)
    svc.ops.signals.add(tenant.id, AUTH_FAILURE, "erp", urgent=True)
    assert evaluate(svc) == []                                       # fires again 20 min after the last notice
    assert state(svc, tenant, "auth_failure").firing
    clock.advance(minutes=10)
    svc.ops.signals.add(tenant.id, AUTH_FAILURE, "erp", urgent=True)  # still failing
    clock.advance(minutes=31)                                        # an hour after the first notice
    svc.ops.signals.add(tenant.id, AUTH_FAILURE, "erp", urgent=True)
    assert evaluate(svc) == [("auth_failure", "firing")]
    assert [m["Subject"].split(":")[0] for m in smtp.sent] == ["[erp-panel] ALERT", "[erp-panel] RESOLVED",
                                                              "[erp-panel] ALERT"]


def test_a_notice_no_channel_took_is_tried_again_next_time(svc, tenant, smtp, receivers):
    smtp.fail = smtplib.SMTPServerDisconnected("gone")
    receivers.replace("POST", WEBHOOK, status=500)
    receivers.replace("POST", SLACK, status=404, body="no_service")
    svc.ops.signals.add(tenant.id, AUTH_FAILURE, "crm", urgent=True)
    assert evaluate(svc) == []
    assert state(svc, tenant, "auth_failure").notified is None
    smtp.fail = None
    assert evaluate(svc) == [("auth_failure", "firing")]
    assert "Reinstall the CRM app: https://erp-panel.test/admin/settings#crm" in smtp.sent[0].get_content()


def test_without_contacts_the_state_is_kept_and_nobody_is_told(svc, tenant, smtp, receivers):
    svc.ops.contacts.save(AlertContacts(tenant.id))
    svc.ops.signals.add(tenant.id, AUTH_FAILURE, "erp", urgent=True)
    assert evaluate(svc) == []
    row = state(svc, tenant, "auth_failure")
    assert row.firing and row.notified is None and "ERP refused" in row.summary
    assert smtp.sent == [] and len(receivers.calls) == 0


def test_uninstalled_tenants_are_not_evaluated(svc, tenant, smtp, receivers):
    svc.tenants.mark_uninstalled(tenant.id)
    svc.ops.signals.add(tenant.id, AUTH_FAILURE, "erp", urgent=True)
    assert evaluate(svc) == [] and state(svc, tenant, "auth_failure") is None
