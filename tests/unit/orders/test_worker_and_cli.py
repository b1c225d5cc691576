"""run_worker's loop (as used by `erp-panel worker` and the demo) and the `erp-panel jobs` commands."""
from __future__ import annotations

import threading

from click.testing import CliRunner

from app.cli import main
from app.orders import worker as worker_module
from app.orders.worker import WorkerPool, run_worker
from tests.fakes.orders import deal_row, drain, wait_for, won_event


def _start(pool: WorkerPool) -> tuple[threading.Thread, threading.Event]:
    stop = threading.Event()
    thread = threading.Thread(target=pool.run, args=(stop,), daemon=True)
    thread.start()
    return thread, stop


def test_worker_pool_runs_announced_jobs_in_parallel_then_stops(services, demo_tenant, faults):
    faults.gate = gate = threading.Event()           # every ERP call waits here until released
    pool = WorkerPool(services, threads=4, worker_id="pool")
    thread, stop = _start(pool)
    deals = ("D-2001", "D-2002", "D-2004", "D-2005")
    for deal_id in deals:
        services.orders.intake.accept(won_event(services, demo_tenant, deal_id))   # announced: no poll wait
    assert faults.wait_for_calls(4 * 3)              # four jobs at once, each reading order, items, credit at once
    assert pool.busy == 4
    gate.set()
    assert wait_for(pool, lambda: services.orders.queue.pending_count() == 0)
    stop.set()
    thread.join(10)
    assert not thread.is_alive()
    assert all(deal_row(services, d)["erp_order_number"].startswith("SO-") for d in deals)
    assert {j.lease_owner for j in services.orders.queue.list()} == {None}


def test_run_worker_uses_worker_threads_from_settings(services, monkeypatch):
    sizes = []

    class Recorder(WorkerPool):
        def run(self, stop):
            sizes.append(self.threads)

    monkeypatch.setattr(worker_module, "WorkerPool", Recorder)
    run_worker(services, threading.Event())
    run_worker(services, threading.Event(), threads=3)
    assert sizes == [services.settings.worker_threads, 3] and services.settings.worker_threads == 32


def test_worker_pool_survives_a_failing_claim(services, demo_tenant, monkeypatch):
    real_claim = services.orders.queue.claim_batch
    calls = []

    def flaky_claim(worker_id, limit):
        calls.append(worker_id)
        if len(calls) == 1:
            raise OSError("database went away")
        return real_claim(worker_id, limit)

    monkeypatch.setattr(services.orders.queue, "claim_batch", flaky_claim)
    pool = WorkerPool(services, threads=1, worker_id="loop")
    thread, stop = _start(pool)
    services.orders.intake.accept(won_event(services, demo_tenant, "D-2001"))
    assert wait_for(pool, lambda: services.orders.queue.pending_count() == 0)
    stop.set()
    thread.join(10)
    assert len(calls) >= 2 and deal_row(services, "D-2001")["erp_order_number"].startswith("SO-")


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
    assert "write_back" in listed.output and "create_order" not in listed.output   # the failure reached the deal
    audit = runner.invoke(main, ["jobs", "audit", "--tenant", demo_tenant.id, "--event", "evt-cli"])
    assert audit.exit_code == 0 and "intake" in audit.output and "dead" in audit.output
    assert runner.invoke(main, ["jobs", "replay"]).exit_code == 2
    job_id = services.orders.queue.list(status="dead")[0].id
    replayed = runner.invoke(main, ["jobs", "replay", str(job_id)])
    assert replayed.exit_code == 0 and services.orders.queue.get(job_id).status == "queued"
    assert runner.invoke(main, ["jobs", "replay", str(job_id)]).exit_code == 1
