"""Scale-out backends: Redis shared cache + cross-process coalescing, PostgreSQL state."""
import threading

import pytest

from app import create_app
from app.cache.backend import CacheEntry
from app.cache.redis_backend import RedisCache
from app.panel.model import DataKind, SectionState


@pytest.mark.redis
def test_redis_cache_round_trip(redis_url, redis_namespace, clock):
    from decimal import Decimal

    from app.domain.stock import StockLine
    cache = RedisCache.from_url(redis_url, redis_namespace)
    entry = CacheEntry(value=[StockLine("SKU", "Café 🚀", "WH", Decimal("1.5"), Decimal("0"))],
                       fetched_at=clock.now(), source="sandbox")
    cache.set("t1:x", entry, keep_seconds=30)
    assert cache.get("t1:x") == entry
    assert cache.add("t1:lock", "1", 30) and not cache.add("t1:lock", "1", 30)
    assert cache.exists("t1:lock")
    cache.set("t2:x", entry, keep_seconds=30)
    assert cache.delete_prefix("t1:") == 2
    assert cache.get("t1:x") is None and cache.get("t2:x") == entry


@pytest.mark.redis
def test_two_processes_sharing_redis_make_one_erp_call_per_kind(base_config, redis_url, redis_namespace,
                                                               clock, faults):
    config = dict(base_config, redis_url=redis_url, redis_namespace=redis_namespace)
    apps = [create_app(config, clock=clock, sandbox_faults=faults) for _ in range(2)]
    services = [a.extensions["erp_panel"] for a in apps]
    tenant = services[0].tenants.find("demo", "demo-company")
    faults.gate = threading.Event()
    views, start = [], threading.Barrier(61)

    def load(svc):
        start.wait()
        views.append(svc.panel.read(tenant, "ACC-1002"))

    threads = [threading.Thread(target=load, args=(services[n % 2],)) for n in range(60)]
    for t in threads:
        t.start()
    start.wait()
    assert faults.wait_for_calls(4)
    faults.gate.set()
    for t in threads:
        t.join(30)
    assert len(views) == 60 and all(v.sections[k].state == SectionState.OK for v in views for k in DataKind)
    assert dict(faults.calls) == {"get_credit": 1, "list_stock": 1, "list_invoices": 1, "get_prices": 1}
    # the refresh rate limit is shared too
    services[0].panel.refresh(tenant, "ACC-1002")
    from app.errors import RateLimited
    with pytest.raises(RateLimited):
        services[1].panel.refresh(tenant, "ACC-1002")
    for svc in services:
        svc.close()


@pytest.mark.postgres
def test_panel_and_tenants_on_postgresql(base_config, pg_url, clock, faults):
    app = create_app(dict(base_config, database_url=pg_url), clock=clock, sandbox_faults=faults)
    svc = app.extensions["erp_panel"]
    assert svc.db.dialect == "postgresql"
    tenant = svc.tenants.find("demo", "demo-company")
    token, _ = svc.widget_tokens.mint(tenant.id, "rep", "demo")
    body = app.test_client().get("/api/v1/panel/accounts/ACC-1005",
                                 headers={"Authorization": f"Bearer {token}"}).get_json()
    assert body["customer_name"] == "Tōkyō Trading 🚀 K.K."
    assert body["sections"]["credit"]["data"]["currency"] == "JPY"
    svc.tenants.save_crm_credentials(tenant.id, access_token="pg-secret-token", refresh_token=None, expires_at=None)
    assert svc.tenants.get_crm_credentials(tenant.id).access_token == "pg-secret-token"
    assert app.test_client().get("/readyz").get_json()["database"] == {"state": "ok", "dialect": "postgresql"}
    svc.close()


@pytest.mark.postgres
def test_several_processes_starting_at_once_share_one_schema_and_demo_tenant(base_config, pg_url, clock, faults):
    """gunicorn starts its workers together: schema upgrade and demo seeding must not race."""
    apps, errors = [], []
    start = threading.Barrier(4)

    def boot():
        start.wait()
        try:
            apps.append(create_app(dict(base_config, database_url=pg_url), clock=clock, sandbox_faults=faults))
        except Exception as exc:  # noqa: BLE001 - a thread's error is collected and reported below  # pragma: no cover
            errors.append(exc)

    threads = [threading.Thread(target=boot) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == [] and len(apps) == 4
    svc = apps[0].extensions["erp_panel"]
    assert [t.installation_id for t in svc.tenants.list()] == ["demo-company"]
    for a in apps:
        a.extensions["erp_panel"].close()
