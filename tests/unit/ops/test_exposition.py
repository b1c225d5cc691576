"""/metrics: the queue read from the database at scrape time, one access rule for the web app and the worker's
port, and prometheus-client's multiprocess mode adding up several processes."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

import pytest
import requests

from app.ops.exposition import MetricsRefused, check_metrics_access, metrics_app, scrape, serve_worker_metrics
from app.ops.multiproc import prepare_directory
from app.ops.tables import ops_alert_states
from app.orders.tables import order_jobs

ROOT = Path(__file__).resolve().parents[3]


def add_job(services, status: str, due_in: float, kind: str = "create_order", lease_in: float | None = None) -> None:
    now = services.clock.now()
    with services.db.write() as conn:
        conn.execute(order_jobs.insert().values(
            tenant_id="t1", kind=kind, crm_deal_id="D", event_id="e", correlation_id="c", status=status, attempts=0,
            max_attempts=15, run_after=now + timedelta(seconds=due_in), created_at=now, updated_at=now,
            lease_expires_at=None if lease_in is None else now + timedelta(seconds=lease_in)))


def test_scrape_reads_queue_depth_oldest_ready_age_and_firing_alerts(services):
    add_job(services, "queued", -400)
    add_job(services, "queued", -30)
    add_job(services, "queued", 600)                          # waiting for its retry: delayed, not ready
    add_job(services, "running", -900, lease_in=-10)          # its worker died: ready again
    add_job(services, "running", -5, kind="write_back", lease_in=60)
    add_job(services, "dead", -5000)
    with services.db.write() as conn:
        conn.execute(ops_alert_states.insert().values(tenant_id="t1", rule="queue_age", firing=True, summary="",
                                                      updated_at=services.clock.now()))
    text = scrape(services.ops.collector).decode()
    assert 'erp_panel_order_queue_depth{kind="create_order",state="ready"} 3.0' in text
    assert 'erp_panel_order_queue_depth{kind="create_order",state="delayed"} 1.0' in text
    assert 'erp_panel_order_queue_depth{kind="create_order",state="dead"} 1.0' in text
    assert 'erp_panel_order_queue_depth{kind="write_back",state="running"} 1.0' in text
    assert 'erp_panel_order_queue_oldest_ready_age_seconds{kind="create_order"} 900.0' in text
    assert 'erp_panel_order_queue_oldest_ready_age_seconds{kind="write_back"} 0.0' in text
    assert 'erp_panel_embedded_alerts_firing{rule="queue_age"} 1.0' in text
    assert "erp_panel_vendor_calls_total" in text             # this process's metrics too


def _call(app, path: str = "/metrics", token: str = "") -> tuple[str, bytes]:
    seen = {}
    environ = {"PATH_INFO": path, "REQUEST_METHOD": "GET"}
    if token:
        environ["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    body = b"".join(app(environ, lambda status, headers: seen.update(status=status)))
    return seen["status"], body


def test_the_worker_metrics_endpoint_follows_the_same_access_rule(app_factory):
    services = app_factory(metrics_token="m" * 40).extensions["erp_panel"]
    app = metrics_app(services.settings, services.ops.collector)
    assert _call(app)[0] == "401 Unauthorized"
    status, body = _call(app, token="m" * 40)
    assert status == "200 OK" and b"erp_panel_order_queue_depth" in body
    assert _call(app, "/other", "m" * 40)[0] == "404 Not Found"
    with pytest.raises(MetricsRefused) as refused:
        check_metrics_access(services.settings.__class__(env="production"), "")
    assert refused.value.status == 404 and refused.value.reason == "metrics_disabled"


@pytest.mark.loopback
def test_erp_panel_worker_serves_its_metrics_on_a_port(app_factory):
    services = app_factory(metrics_token="w" * 40).extensions["erp_panel"]
    server = serve_worker_metrics(services.settings, services.ops.collector, 0, host="127.0.0.1")
    try:
        url = f"http://127.0.0.1:{server.server_port}/metrics"
        assert requests.get(url, timeout=5).status_code == 401
        answer = requests.get(url, headers={"Authorization": "Bearer " + "w" * 40}, timeout=5)
        assert answer.status_code == 200 and "erp_panel_won_events_total" in answer.text
    finally:
        server.shutdown()
        server.server_close()


COUNT_IN_A_PROCESS = textwrap.dedent("""
    import sys
    from app.ops.metrics import WON_EVENTS, REDIS_UP
    WON_EVENTS.labels("accepted").inc(int(sys.argv[1]))
    REDIS_UP.set(int(sys.argv[2]))
""")
SCRAPE_IN_A_PROCESS = textwrap.dedent("""
    import sys
    from app.clock import Clock
    from app.ops.collector import DatabaseCollector
    from app.ops.exposition import scrape
    from app.storage.db import Database
    from app.storage.schema import upgrade
    db = Database(sys.argv[1])
    upgrade(db)
    sys.stdout.write(scrape(DatabaseCollector(db, Clock())).decode())
""")


def _python(code: str, *args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=60, check=True)


def test_multiprocess_mode_adds_up_every_process(tmp_path):
    directory = tmp_path / "metrics"
    directory.mkdir()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory)}
    _python(COUNT_IN_A_PROCESS, "2", "1", env=env)          # e.g. two gunicorn workers ...
    _python(COUNT_IN_A_PROCESS, "3", "1", env=env)          # ... or an order worker sharing the directory
    text = _python(SCRAPE_IN_A_PROCESS, f"sqlite:///{tmp_path}/db.sqlite3", env=env).stdout
    assert 'erp_panel_won_events_total{status="accepted"} 5.0' in text
    assert "erp_panel_order_queue_depth" in text            # the database collector joins the scrape
    assert "erp_panel_redis_up 1.0" in text                  # livemin over the processes
    assert prepare_directory(str(directory)) >= 2           # at the next start, files of finished processes go
    assert list(directory.iterdir()) == []


def test_gunicorn_hooks_prepare_the_directory_and_forget_finished_workers(tmp_path, monkeypatch):
    import runpy
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "m"))
    hooks = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    hooks["on_starting"](None)
    assert (tmp_path / "m").is_dir()
    live = tmp_path / "m" / f"gauge_livemin_{os.getpid()}.db"
    live.write_bytes(b"")
    hooks["child_exit"](None, type("Worker", (), {"pid": os.getpid()})())
    assert not live.exists()
