import threading

import pytest

from app.cache.backend import CacheEntry, MemoryCache
from app.cache.coalesce import Coalescer, SingleFlight


def test_memory_cache_expires_by_the_injected_clock(clock):
    cache = MemoryCache(clock)
    entry = CacheEntry("v", clock.now(), "sandbox")
    cache.set("t1:a", entry, keep_seconds=10)
    clock.advance(9.9)
    assert cache.get("t1:a") == entry
    clock.advance(0.2)
    assert cache.get("t1:a") is None


def test_memory_cache_add_is_set_if_absent_and_prefix_delete(clock):
    cache = MemoryCache(clock)
    assert cache.add("t1:m", "1", 5) and not cache.add("t1:m", "1", 5)
    clock.advance(6)
    assert cache.add("t1:m", "1", 5)
    cache.set("t1:x", CacheEntry(1, clock.now(), "s"), 60)
    cache.set("t2:x", CacheEntry(2, clock.now(), "s"), 60)
    assert cache.delete_prefix("t1:") == 2
    assert cache.get("t2:x").value == 2
    assert cache.get("t1:m") is None   # markers are not entries


def test_single_flight_shares_result_and_errors():
    flight = SingleFlight()
    gate = threading.Event()
    calls = []

    def fetch():
        calls.append(1)
        gate.wait(5)
        return "value"

    results = []
    threads = [threading.Thread(target=lambda: results.append(flight.do("k", fetch))) for _ in range(20)]
    for t in threads:
        t.start()
    assert flight.wait_for_waiters(19, timeout=5)
    gate.set()
    for t in threads:
        t.join(5)
    assert results == ["value"] * 20 and len(calls) == 1
    assert flight.in_flight() == 0

    def boom():
        raise ValueError("erp down")
    with pytest.raises(ValueError):
        flight.do("k", boom)
    assert flight.do("k", lambda: "again") == "again"    # errors are not remembered


def test_coalescer_follower_waits_for_other_process_then_rereads(clock):
    locks = MemoryCache(clock)            # stands in for Redis: another process holds the lock
    locks.add("lock:k", "1", 30)
    co = Coalescer(lock_backend=locks, wait_seconds=0.2, poll_seconds=0.01)
    published = {"value": None}

    def release_later():
        published["value"] = "from-other-process"
        locks.delete("lock:k")
    timer = threading.Timer(0.02, release_later)
    timer.start()
    result = co.run("k", fetch=lambda: "fetched-here", reread=lambda: published["value"])
    timer.join()
    assert result == "from-other-process"
    # no lock holder and nothing published: fetch ourselves
    assert co.run("k2", fetch=lambda: "fetched-here", reread=lambda: None) == "fetched-here"
