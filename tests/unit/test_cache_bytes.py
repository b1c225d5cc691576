"""In-process caches are bounded in bytes, not only in entries."""
from __future__ import annotations

from decimal import Decimal

from app.cache.backend import CacheEntry, MemoryCache
from app.cache.sizing import deep_sizeof
from app.domain.stock import StockLine


def lines(count: int, name: str = "Widget") -> list[StockLine]:
    return [StockLine(f"SKU-{n:04d}", f"{name} {n}", "Main", Decimal("12.50"), Decimal("1")) for n in range(count)]


def test_deep_sizeof_counts_what_a_value_holds():
    assert deep_sizeof(lines(10)) > 5 * deep_sizeof(lines(1))
    assert deep_sizeof(lines(1, name="x" * 10_000)) > 10_000
    shared = "y" * 5000
    assert deep_sizeof([shared, shared]) < 2 * 5000                 # one object counted once


def test_memory_cache_stays_under_its_byte_bound_dropping_the_least_recently_used(clock):
    cache = MemoryCache(clock, max_bytes=200_000)
    entry_bytes = deep_sizeof(lines(20))
    for n in range(100):                                             # about 10x the bound
        cache.set(f"t1:stock:{n}", CacheEntry(lines(20), clock.now(), "sandbox"), keep_seconds=3600)
        cache.get("t1:stock:0")                                      # kept in use: never the one dropped
    assert cache.bytes_used <= cache.max_bytes == 200_000
    kept = [n for n in range(100) if cache.get(f"t1:stock:{n}") is not None]
    assert 0 in kept and 99 in kept and 1 not in kept
    assert len(kept) <= 200_000 // entry_bytes


def test_a_value_larger_than_the_whole_bound_is_not_kept(clock):
    cache = MemoryCache(clock, max_bytes=50_000)
    cache.set("t1:small", CacheEntry(lines(2), clock.now(), "s"), keep_seconds=60)
    cache.set("t1:huge", CacheEntry(lines(1000), clock.now(), "s"), keep_seconds=60)
    assert cache.get("t1:huge") is None and cache.get("t1:small") is not None
