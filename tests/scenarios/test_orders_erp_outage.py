"""The default retry schedule: won deals outlive a 6-hour ERP outage; configuration failures stop at once."""
from __future__ import annotations

import random
import uuid
from datetime import timedelta

from click.testing import CliRunner

from app.config import Settings
from app.domain.events import DealWon
from app.orders.cli import jobs
from app.orders.retry import Backoff
from app.orders.worker import Worker
from tests.fakes.orders import add_demo_deals, deal_row, erp_orders, job_statuses, next_due, won_event

SIX_HOURS = 6 * 3600


def default_backoff(rng=None) -> Backoff:
    s = Settings()
    return Backoff(base=s.job_backoff_base, cap=s.job_backoff_cap, floor=s.job_backoff_floor, rng=rng)


def test_the_default_schedule_guarantees_more_than_six_hours_and_grows_like_crm_retries():
    s = Settings()
    backoff = default_backoff()
    rows = backoff.schedule(s.job_max_attempts)
    assert len(rows) == s.job_max_attempts - 1
    assert backoff.survives(s.job_max_attempts) > SIX_HOURS          # the floor: even the unluckiest job
    assert rows[0][1:] == (15, 30)                                    # first retry within half a minute
    assert max(high for _, _, high in rows) == 2 * 3600               # gaps never beyond 2 h
    lows = [low for _, low, _ in rows]
    assert lows == sorted(lows)                                       # never shorter than the previous gap
    # the old default (full jitter from 0 s, 2 s base, 8 attempts) could spend every attempt in one minute
    assert Backoff(base=2, cap=300, floor=0).survives(8) == 0


def test_the_floor_holds_for_every_random_draw():
    backoff = default_backoff(random.Random(3))
    for attempt in range(1, 15):
        low, high = backoff.bounds(attempt)
        assert all(low <= backoff.delay(attempt) <= high for _ in range(200))


def test_fifty_won_deals_outlive_a_six_hour_erp_outage_and_each_order_is_created_once(services, demo_tenant,
                                                                                       clock, faults):
    assert services.settings.job_max_attempts == Settings().job_max_attempts    # the shipped defaults
    deals = add_demo_deals(services, 50)
    outage_ends = clock.now() + timedelta(seconds=SIX_HOURS)
    faults.down = True
    for deal_id in deals:
        services.orders.intake.accept(won_event(services, demo_tenant, deal_id))
    worker = Worker(services, "outage-worker")
    while services.orders.queue.pending_count():
        faults.down = clock.now() < outage_ends
        worker.drain()
        assert services.orders.queue.list(status="dead") == []          # never a dead letter
        due = next_due(services)
        if due is not None and due > clock.now():
            clock.set(due)                                                # jump to the next retry, no sleeping
    assert clock.now() >= outage_ends
    assert clock.now() <= outage_ends + timedelta(hours=2)               # picked up within one capped gap
    for deal_id in deals:
        assert len(erp_orders(services, demo_tenant, deal_id)) == 1      # exactly once
        assert deal_row(services, deal_id)["erp_order_number"]
    assert faults.calls["create_order"] == 50
    attempts = [j.attempts for j in services.orders.queue.list(limit=1000) if j.kind == "create_order"]
    assert min(attempts) >= 10            # the outage really used the schedule, and none ran out of attempts
    assert max(attempts) <= services.settings.job_max_attempts


def test_a_configuration_failure_still_dead_letters_at_once(services, clock, faults):
    unconfigured = services.tenants.upsert_tenant("demo", "no-erp-yet", "No ERP yet")   # no ERP connection
    services.orders.intake.accept(DealWon(tenant_id=unconfigured.id, crm_deal_id="D-2001", event_id=uuid.uuid4().hex,
                                   occurred_at=clock.now(), crm="demo"))
    Worker(services, "w").drain()
    dead = [j for j in services.orders.queue.list(status="dead") if j.kind == "create_order"]
    assert [(j.crm_deal_id, j.last_error_reason, j.attempts) for j in dead] == [("D-2001", "erp_not_configured", 1)]
    assert ("create_order", "D-2001", "dead") in job_statuses(services)
    assert faults.total_calls() == 0


def test_the_schedule_command_prints_the_table_for_the_current_settings(monkeypatch, base_config):
    monkeypatch.setenv("DATABASE_URL", base_config["database_url"])        # nothing generated in instance/
    monkeypatch.setenv("SECRET_KEY", base_config["secret_key"])
    monkeypatch.setenv("ENCRYPTION_KEYS", base_config["encryption_keys"][0])
    monkeypatch.setenv("JOB_MAX_ATTEMPTS", "4")
    monkeypatch.setenv("JOB_BACKOFF_BASE", "60")
    result = CliRunner().invoke(jobs, ["schedule"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "attempt 1: at once",
        "attempt 2: 30 s to 1 min after the previous one",
        "attempt 3: 1 min to 2 min after the previous one",
        "attempt 4: 2 min to 4 min after the previous one",
        "last attempt 4 min to 7 min after the first: a won deal outlives an ERP outage of 4 min"]
