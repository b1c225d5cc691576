"""run_worker's loop (as used by `erp-panel worker` and the demo) and the `erp-panel jobs` commands."""
from __future__ import annotations

import threading

from click.testing import CliRunner

from app.cli import main
from app.orders import worker as worker_module
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


class StopWhenQueueEmpty(threading.Event):
    """Stops every worker thread once no job is queued or running."""

    def __init__(self, services):
        super().__init__()
        self.services = services

    def wait(self, timeout=None):
        if self.services.orders.queue.pending_count() == 0:
            self.set()
        return self.is_set()


def test_run_worker_processes_until_idle_then_honours_stop(services, demo_tenant):
    services.orders.intake.accept(won_event(services, demo_tenant, "D-2001"))
    stop = StopWhenIdle()
    run_worker(services, stop, worker_id="loop", threads=1)
    assert stop.idle_waits == 1
    assert deal_row(services, "D-2001")["erp_order_number"].startswith("SO-")


def test_run_worker_runs_worker_threads_from_settings(services, demo_tenant, monkeypatch):
    assert services.settings.worker_threads == 4
    started = []
    real_loop = worker_module._loop

    def loop(svc, stop_event, worker_id):
        started.append(worker_id)
        real_loop(svc, stop_event, worker_id)

    monkeypatch.setattr(worker_module, "_loop", loop)
    for deal_id in ("D-2001", "D-2002", "D-2004", "D-2005"):
        services.orders.intake.accept(won_event(services, demo_tenant, deal_id))
    stop = StopWhenQueueEmpty(services)
    run_worker(services, stop, worker_id="pool")
    assert stop.is_set() and sorted(started) == [f"pool/{n}" for n in range(4)]
    assert all(deal_row(services, d)["erp_order_number"] for d in ("D-2001", "D-2002", "D-2004", "D-2005"))


def test_run_worker_survives_a_failing_claim(services, monkeypatch):
    calls = []

    def broken_claim(worker_id):
        calls.append(worker_id)
        raise OSError("database went away")

    monkeypatch.setattr(services.orders.queue, "claim", broken_claim)
    stop = StopWhenIdle()
    run_worker(services, stop, worker_id="loop", threads=1)
    assert calls == ["loop"] and stop.is_set()


def _env(monkeypatch, base_config):
    monkeypatch.setenv("DATABASE_URL", base_config["database_url"])
    monkeypatch.setenv("SECRET_KEY", base_config["secret_key"])
    monkeypatch.setenv("ENCRYPTION_KEYS", ",".join(base_config["encryption_keys"]))
    monkeypatch.setenv("ERP_PANEL_ENV", "test")


def test_jobs_cli_lists_dead_letters_replays_and_shows_the_audit(services, demo_tenant, base_config, clock,
                                                                 monkeypatch):
    _env(monkeypatch, base_config)
    services.orders.intake.accept(won_event(services, demo_tenant, "D-2007", "evt-cli"))
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
