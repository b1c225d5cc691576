"""Read service: TTLs, coalescing, parallel fan-out, stale-if-error, negative cache, refresh limit."""
import threading

import pytest

from app.errors import RateLimited
from app.panel.model import DataKind, SectionState


@pytest.fixture
def panel(services):
    return services.panel


def read(services, tenant, account="ACC-1001", **kw):
    return services.panel.read(tenant, account, **kw)


def test_cold_read_fetches_all_kinds_in_parallel(services, demo_tenant, faults):
    faults.gate = threading.Event()
    result = {}
    worker = threading.Thread(target=lambda: result.setdefault("view", read(services, demo_tenant)))
    worker.start()
    # all four ERP calls are in flight at once: a cold panel costs about one round trip
    assert faults.wait_for_calls(4, timeout=10)
    faults.gate.set()
    worker.join(10)
    view = result["view"]
    assert {k: s.state for k, s in view.sections.items()} == {k: SectionState.OK for k in DataKind}
    assert dict(faults.calls) == {"get_credit": 1, "list_stock": 1, "list_invoices": 1, "get_prices": 1}


def test_200_concurrent_cold_loads_cause_one_erp_call_per_kind(services, demo_tenant, faults):
    faults.gate = threading.Event()
    views, errors = [], []
    start = threading.Barrier(201)

    def load():
        start.wait()
        try:
            views.append(read(services, demo_tenant))
        except Exception as exc:  # noqa: BLE001 - a thread's error is collected and reported below  # pragma: no cover
            errors.append(exc)

    threads = [threading.Thread(target=load) for _ in range(200)]
    for t in threads:
        t.start()
    start.wait()
    assert faults.wait_for_calls(4, timeout=10)
    # followers are parked on the in-flight fetches (the fan-out pool has 16 threads, 4 are leaders)
    assert services.coalescer.flight.wait_for_waiters(12, timeout=10)
    faults.gate.set()
    for t in threads:
        t.join(30)
    assert not errors and len(views) == 200
    assert all(v.sections[k].state == SectionState.OK for v in views for k in DataKind)
    assert dict(faults.calls) == {"get_credit": 1, "list_stock": 1, "list_invoices": 1, "get_prices": 1}


def test_per_kind_ttls(services, demo_tenant, faults, clock):
    read(services, demo_tenant)
    clock.advance(61)                       # stock (60 s) expired, the others (>= 300 s) fresh
    read(services, demo_tenant)
    services.panel.settle()                 # an expired key is refreshed in the background
    assert faults.calls["list_stock"] == 2 and faults.calls["get_credit"] == 1
    clock.advance(240)                      # 301 s: credit and invoices expired, pricing (900 s) fresh
    read(services, demo_tenant)
    services.panel.settle()
    assert faults.calls["get_credit"] == 2 and faults.calls["list_invoices"] == 2
    assert faults.calls["get_prices"] == 1


def test_every_section_carries_its_age(services, demo_tenant, clock):
    first = read(services, demo_tenant)
    clock.advance(30)
    view = read(services, demo_tenant)
    for kind in DataKind:
        assert view.sections[kind].as_of == first.sections[kind].as_of
        assert view.sections[kind].age_seconds == pytest.approx(30)
        assert view.sections[kind].source == "sandbox"


def test_stale_if_error_then_unavailable(services, demo_tenant, faults, clock):
    warm = read(services, demo_tenant)
    faults.down = True
    clock.advance(301)                      # credit expired; ERP failing
    view = read(services, demo_tenant)      # just expired: served at once while one background refresh runs
    assert view.sections[DataKind.CREDIT].state == SectionState.OK
    assert view.sections[DataKind.CREDIT].age_seconds == pytest.approx(301)
    services.panel.settle()
    view = read(services, demo_tenant)      # that refresh failed: the last good data, flagged stale
    credit = view.sections[DataKind.CREDIT]
    assert credit.state == SectionState.STALE and credit.stale
    assert credit.as_of == warm.sections[DataKind.CREDIT].as_of and credit.age_seconds == pytest.approx(301)
    assert credit.data.customer_id == "CUST-0001" and "last good figures" in credit.message
    assert view.sections[DataKind.PRICING].state == SectionState.OK     # still fresh
    calls = faults.total_calls()
    read(services, demo_tenant)             # inside the error back-off: no new ERP attempts
    assert faults.total_calls() == calls
    clock.advance(900)                      # credit beyond ttl (300) + stale limit (900)
    view = read(services, demo_tenant)
    # nothing left to show: first the section says it is trying again (and when) ...
    credit = view.sections[DataKind.CREDIT]
    assert credit.state == SectionState.RETRYING and credit.data is None and credit.retry_after == 2
    assert view.sections[DataKind.STOCK].state == SectionState.STALE       # stock keeps 1 h stale
    for wait in (2, 4, 8):                  # ... and after several failed fetches in a row: unavailable
        clock.advance(wait)
        credit = read(services, demo_tenant).sections[DataKind.CREDIT]
    assert credit.state == SectionState.UNAVAILABLE and credit.data is None
    assert credit.message.startswith("No recent figures to show")
    faults.down = False
    clock.advance(16)                       # back-off over, ERP back: fresh again
    view = read(services, demo_tenant)
    assert view.sections[DataKind.CREDIT].state == SectionState.OK


def test_cold_and_failing_is_retrying_then_unavailable_not_an_exception(services, demo_tenant, faults, clock):
    faults.down = True
    view = read(services, demo_tenant)
    assert all(s.state == SectionState.RETRYING and s.retry_after == 2 for s in view.sections.values())
    assert all(s.message == "The ERP did not answer; trying again in a few seconds." for s in view.sections.values())
    calls = faults.total_calls()
    assert calls == 4 * 3                   # every read tried three times before giving up
    assert read(services, demo_tenant).sections[DataKind.CREDIT].retry_after == 2   # back-off: no ERP call
    assert faults.total_calls() == calls
    for wait in (2, 4, 8):                  # the back-off doubles per failed fetch
        clock.advance(wait)
        view = read(services, demo_tenant)
    assert all(s.state == SectionState.UNAVAILABLE for s in view.sections.values())
    assert faults.total_calls() == calls * 4


def test_unknown_customer_is_negatively_cached(services, demo_tenant, faults, clock):
    for _ in range(100):
        view = read(services, demo_tenant, "ACC-1009")      # linked to CUST-9999, unknown to the ERP
    assert view.sections[DataKind.CREDIT].state == SectionState.NOT_FOUND
    assert faults.calls["get_credit"] == 1 and faults.calls["list_invoices"] == 1
    clock.advance(61)
    read(services, demo_tenant, "ACC-1009")
    assert faults.calls["get_credit"] == 2


def test_not_linked_account_is_explained(services, demo_tenant, faults):
    view = read(services, demo_tenant, "ACC-1008")
    assert not view.linked
    assert all(s.state == SectionState.NOT_LINKED and "not linked" in s.message for s in view.sections.values())
    assert faults.total_calls() == 0


def test_refresh_bypasses_cache_and_is_rate_limited(services, demo_tenant, faults, clock):
    read(services, demo_tenant)
    services.panel.refresh(demo_tenant, "ACC-1001")
    assert faults.calls["get_credit"] == 2
    with pytest.raises(RateLimited) as err:
        services.panel.refresh(demo_tenant, "ACC-1001")
    assert err.value.retry_after == 30
    services.panel.refresh(demo_tenant, "ACC-1002")          # limit is per account
    clock.advance(31)
    services.panel.refresh(demo_tenant, "ACC-1001")
    assert faults.calls["get_credit"] == 4


def test_cache_keys_are_tenant_scoped(services, demo_tenant, faults):
    other = services.tenants.upsert_tenant("demo", "other-company", "Other")
    services.tenants.save_erp_connection(other.id, "sandbox", {}, {})
    services.tenants.link_account(other.id, "ACC-1001", "CUST-0001")
    read(services, demo_tenant)
    read(services, other)
    assert faults.calls["get_credit"] == 2          # same ERP customer, separate cache entries
    assert services.panel.forget_tenant(other.id) > 0
    read(services, demo_tenant)
    assert faults.calls["get_credit"] == 2          # the demo tenant's entries survived


def test_unconfigured_erp_is_an_explained_error(services):
    tenant = services.tenants.upsert_tenant("demo", "no-erp", "No ERP yet")
    services.tenants.link_account(tenant.id, "ACC-1", "CUST-0001")
    view = services.panel.read(tenant, "ACC-1")
    assert all(s.state == SectionState.ERROR and s.reason == "erp_not_configured" for s in view.sections.values())


def test_credit_hold_and_overdue_facts(services, demo_tenant, clock):
    held = read(services, demo_tenant, "ACC-1003").sections[DataKind.CREDIT].data
    assert held.on_hold and held.hold_reason == "credit_hold"
    invoices = read(services, demo_tenant, "ACC-1004").sections[DataKind.INVOICES].data
    assert any(i.is_overdue(clock.now().date()) for i in invoices)
