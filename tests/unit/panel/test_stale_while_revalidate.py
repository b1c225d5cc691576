"""An expired key never makes a reader wait: one background refresh, everyone else served the previous value."""
from __future__ import annotations

import threading

import pytest

from app.panel.model import DataKind, SectionState

STOCK = (DataKind.STOCK,)


def stock(services, tenant):
    return services.panel.read(tenant, "ACC-1001", kinds=STOCK).sections[DataKind.STOCK]


def test_readers_of_an_expired_key_are_served_at_once_while_one_refresh_runs(services, demo_tenant, faults,
                                                                             clock):
    first = stock(services, demo_tenant)
    clock.advance(61)                                  # stock's TTL is 60 s
    faults.gate = threading.Event()                    # the ERP does not answer until the gate opens
    sections, start = [], threading.Barrier(51)

    def load() -> None:
        start.wait()
        sections.append(stock(services, demo_tenant))

    readers = [threading.Thread(target=load) for _ in range(50)]
    for reader in readers:
        reader.start()
    start.wait()
    for reader in readers:
        reader.join(10)                                # all answered with the ERP still blocked
    assert len(sections) == 50 and not any(r.is_alive() for r in readers)
    assert all(s.state == SectionState.OK and s.as_of == first.as_of for s in sections)
    assert all(s.age_seconds == pytest.approx(61) for s in sections)           # the age is honest
    assert faults.wait_for_calls(2)                    # the first load and exactly one refresh
    faults.gate.set()
    assert services.panel.settle()
    assert faults.calls["list_stock"] == 2
    refreshed = stock(services, demo_tenant)
    assert refreshed.as_of == clock.now() and refreshed.age_seconds == 0


def test_a_failed_refresh_keeps_the_previous_value_flagged_stale(services, demo_tenant, faults, clock):
    first = stock(services, demo_tenant)
    clock.advance(61)
    faults.down = True
    assert stock(services, demo_tenant).state == SectionState.OK               # served, refresh started
    assert services.panel.settle()
    section = stock(services, demo_tenant)
    assert section.state == SectionState.STALE and section.as_of == first.as_of
    calls = faults.total_calls()
    for _ in range(10):                                # inside the error back-off: no new attempt
        stock(services, demo_tenant)
    assert services.panel.settle() and faults.total_calls() == calls


def test_data_older_than_twice_its_ttl_is_fetched_before_answering(services, demo_tenant, faults, clock):
    stock(services, demo_tenant)
    clock.advance(120)                                 # two TTLs: too old to show while refreshing
    section = stock(services, demo_tenant)
    assert section.state == SectionState.OK and section.age_seconds == 0
    assert faults.calls["list_stock"] == 2
