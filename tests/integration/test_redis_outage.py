"""Redis down degrades the answer, never breaks it: a real redis-server killed and paused under load."""
from __future__ import annotations

import threading
import uuid
from collections import Counter

import pytest
import redis as redis_py

from app import create_app
from app.cache.breaker import BreakerState
from tests.integration.private_redis import free_port, private_redis  # noqa: F401 - fixture

ACCOUNTS = ["ACC-1001", "ACC-1002", "ACC-1003", "ACC-1004", "ACC-1005"]


@pytest.fixture
def redis_app(request, base_config, clock, faults):
    server = request.getfixturevalue("private_redis")
    namespace = f"t-{uuid.uuid4().hex[:8]}:"
    app = create_app({**base_config, "redis_url": server.url, "redis_namespace": namespace}, clock=clock,
                     sandbox_faults=faults)
    svc = app.extensions["erp_panel"]
    tenant = svc.tenants.find("demo", "demo-company")
    app.widget = {"Authorization": "Bearer " + svc.widget_tokens.mint(tenant.id, "rep-1", "demo")[0]}
    app.admin = {"Authorization": "Bearer " + svc.admin_sessions.mint(tenant.id, "admin-1")}
    app.server, app.namespace, app.tenant = server, namespace, tenant
    yield app
    svc.close()


def redis_keys(app) -> list[bytes]:
    client = redis_py.Redis(port=app.server.port)
    try:
        return sorted(client.scan_iter(match=app.namespace + "*"))
    finally:
        client.close()


class Load:
    """Threads reading panels over the app's HTTP interface until stopped; counts every answer."""

    def __init__(self, app, threads: int = 6):
        self.app = app
        self.statuses: Counter[int] = Counter()
        self.not_ok: list[tuple[str, str, str]] = []
        self.done = 0
        self.changed = threading.Condition()
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(n,)) for n in range(threads)]

    def _run(self, n: int) -> None:
        client = self.app.test_client()
        i = n
        while not self.stop.is_set():
            account = ACCOUNTS[i % len(ACCOUNTS)]
            i += 1
            resp = client.get(f"/api/v1/panel/accounts/{account}", headers=self.app.widget)
            body = resp.get_json(silent=True) or {}
            with self.changed:
                self.statuses[resp.status_code] += 1
                for kind, section in body.get("sections", {}).items():
                    if section["state"] != "ok":
                        self.not_ok.append((account, kind, section["state"]))
                self.done += 1
                self.changed.notify_all()

    def start(self) -> Load:
        for t in self.threads:
            t.start()
        return self

    def wait_for(self, count: int) -> None:
        with self.changed:
            assert self.changed.wait_for(lambda: self.done >= count, timeout=60), f"only {self.done} answers"

    def finish(self) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(30)


@pytest.mark.redis
def test_panel_reads_survive_redis_killed_mid_load_and_use_redis_again_when_it_returns(redis_app, clock):
    app, svc = redis_app, redis_app.extensions["erp_panel"]
    load = Load(app).start()
    load.wait_for(60)
    assert redis_keys(app)                               # warm: the panels are cached in Redis
    app.server.kill()
    killed_at = load.done
    load.wait_for(killed_at + 150)                       # keep reading while Redis is gone
    client = app.test_client()
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["status"] == "degraded"
    assert ready.get_json()["redis"]["state"] == "down"
    # refresh-now is still rate limited, per process for the outage
    assert client.post("/api/v1/panel/accounts/ACC-1001/refresh", headers=app.widget).status_code == 200
    assert client.post("/api/v1/panel/accounts/ACC-1001/refresh", headers=app.widget).status_code == 429
    load.finish()
    assert set(load.statuses) == {200}, load.statuses    # 0 % 5xx (and no other error either)
    assert load.not_ok == []                             # every section answered from the ERP/in-process cache
    assert svc.cache.breaker.state == BreakerState.OPEN

    app.server.start()                                   # Redis is back (empty: it was killed)
    clock.advance(svc.settings.redis_retry_seconds)
    # an account not read yet (the warm ones are served from this process's copy without asking Redis)
    assert client.get("/api/v1/panel/accounts/ACC-1006", headers=app.widget).status_code == 200
    assert svc.cache.breaker.state == BreakerState.CLOSED
    assert any(b":credit:" in key for key in redis_keys(app))      # written to Redis again
    assert client.get("/readyz").get_json()["status"] == "ok"


@pytest.mark.redis
def test_admin_save_while_redis_hangs_commits_and_its_flush_runs_when_redis_answers(redis_app, clock):
    app, svc = redis_app, redis_app.extensions["erp_panel"]
    client = app.test_client()
    assert client.get("/api/v1/panel/accounts/ACC-1001", headers=app.widget).status_code == 200
    cached_before = redis_keys(app)
    assert cached_before
    app.server.pause()                                   # Redis keeps its data but answers nothing
    try:
        resp = client.put("/api/v1/admin/settings", headers=app.admin, json={"credit_hold_policy": "create_and_flag"})
        assert resp.status_code == 200, resp.get_json()
        assert svc.tenants.get(app.tenant.id).settings.credit_hold_policy == "create_and_flag"   # committed
        assert client.get("/api/v1/panel/accounts/ACC-1001", headers=app.widget).status_code == 200
    finally:
        app.server.resume()
    assert redis_keys(app) == cached_before              # Redis could not be flushed while it hung ...
    clock.advance(svc.settings.redis_retry_seconds)
    assert client.get("/readyz").get_json()["status"] == "ok"
    assert not any(key.startswith(f"{app.namespace}{app.tenant.id}:".encode()) and b":err" not in key
                   and key in cached_before for key in redis_keys(app))   # ... and was, once it answered


@pytest.mark.loopback
def test_unreachable_redis_from_the_start_serves_reads_and_saves(base_config, clock, faults):
    app = create_app({**base_config, "redis_url": f"redis://127.0.0.1:{free_port()}/0"}, clock=clock,
                     sandbox_faults=faults)
    svc = app.extensions["erp_panel"]
    tenant = svc.tenants.find("demo", "demo-company")
    widget = {"Authorization": "Bearer " + svc.widget_tokens.mint(tenant.id, "rep-1", "demo")[0]}
    admin = {"Authorization": "Bearer " + svc.admin_sessions.mint(tenant.id, "admin-1")}
    client = app.test_client()
    body = client.get("/api/v1/panel/accounts/ACC-1001", headers=widget).get_json()
    assert {s["state"] for s in body["sections"].values()} == {"ok"}
    assert client.put("/api/v1/admin/settings", headers=admin, json={"shadow_mode": True}).status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["redis"]["state"] == "down"
    svc.close()
