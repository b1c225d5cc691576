"""run_worker's loop (as used by `erp-panel worker` and the demo) and the `erp-panel jobs` commands."""
from __future__ import annotations

import threading

from click.testing import CliRunner

from app.cli import main
from app.orders.worker import run_worker
from tests.fakes.orders import deal_row, drain, won_event


class StopWhenIdle(threading.Event):
    """A stop event that stops the worker the first time it has nothing to do (no sleeping)."""

    def __init__(self):
        super().__init__()
        self.idle_waits = 0

    def wait(self, timeout=None):
        self.idle_waits += 1
        self.set()
        return True


def test_run_worker_processes_until_idle_then_honours_stop(services, demo_tenant):
    services.intake.accept(won_event(services, demo_tenant, "D-2001"))
    stop = StopWhenIdle()
    run_worker(services, stop, worker_id="loop")
    assert stop.idle_waits == 1
    assert deal_row(services, "D-2001")["erp_order_number"].startswith("SO-")


def test_run_worker_survives_a_failing_claim(services, monkeypatch):
    calls = []

    def broken_claim(worker_id):
        calls.append(worker_id)
        raise OSError("database went away")

    monkeypatch.setattr(services.orders.queue, "claim", broken_claim)
    stop = StopWhenIdle()
    run_worker(services, stop, worker_id="loop")
    assert calls == ["loop"] and stop.is_set()


def _env(monkeypatch, base_config):
    monkeypatch.setenv("DATABASE_URL", base_config["database_url"])
    monkeypatch.setenv("SECRET_KEY", base_config["secret_key"])
    monkeypatch.setenv("ENCRYPTION_KEYS", ",".join(base_config["encryption_keys"]))
    monkeypatch.setenv("ERP_PANEL_ENV", "test")


def test_jobs_cli_lists_dead_letters_replays_and_shows_the_audit(services, demo_tenant, base_config, clock,
                                                                 monkeypatch):
    _env(monkeypatch, base_config)
    services.intake.accept(won_event(services, demo_tenant, "D-2007", "evt-cli"))
    drain(services, clock)
    runner = CliRunner()
    dead = runner.invoke(main, ["jobs", "dead"])
    assert dead.exit_code == 0 and "missing_erp_customer_link" in dead.output and "deal=D-2007" in dead.output
    listed = runner.invoke(main, ["jobs", "list", "--status", "done"])
    assert "write_back" in listed.output and "create_order" not in listed.output
    audit = runner.invoke(main, ["jobs", "audit", "--tenant", demo_tenant.id, "--event", "evt-cli"])
    assert audit.exit_code == 0 and "intake" in audit.output and "dead" in audit.output
    assert runner.invoke(main, ["jobs", "replay"]).exit_code == 2
    job_id = services.orders.queue.list(status="dead")[0].id
    replayed = runner.invoke(main, ["jobs", "replay", str(job_id)])
    assert replayed.exit_code == 0 and services.orders.queue.get(job_id).status == "queued"
    assert runner.invoke(main, ["jobs", "replay", str(job_id)]).exit_code == 1
