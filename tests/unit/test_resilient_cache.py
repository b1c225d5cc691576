"""Redis down degrades to the in-process cache: breaker, fallback, deferred flushes, readiness, metrics."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from prometheus_client import REGISTRY

from app.cache.backend import CacheEntry, CacheUnavailable, MemoryCache
from app.cache.breaker import BreakerState, CircuitBreaker
from app.cache.flush_backlog import FlushBacklog
from app.cache.resilient import ResilientCache
from app.readiness import readiness
from app.storage.db import Database
from app.storage.schema import upgrade


class SwitchableRedis(MemoryCache):
    """Stands in for RedisCache: a MemoryCache that raises CacheUnavailable while ``down``."""

    def __init__(self, clock):
        super().__init__(clock)
        self.down = False
        self.calls = 0

    def _check(self) -> None:
        self.calls += 1
        if self.down:
            raise CacheUnavailable("Redis ConnectionError")

    def ping(self) -> None:
        self._check()

    def get(self, key):
        self._check()
        return super().get(key)

    def set(self, key, entry, keep_seconds):
        self._check()
        super().set(key, entry, keep_seconds)

    def add(self, key, value, keep_seconds):
        self._check()
        return super().add(key, value, keep_seconds)

    def exists(self, key):
        self._check()
        return super().exists(key)

    def delete(self, key):
        self._check()
        super().delete(key)

    def delete_prefix(self, prefix):
        self._check()
        return super().delete_prefix(prefix)


@pytest.fixture
def db(tmp_path, clock):
    database = Database(f"sqlite:///{tmp_path}/cache.sqlite3")
    upgrade(database)
    yield database
    database.dispose()


@pytest.fixture
def redis(clock):
    return SwitchableRedis(clock)


@pytest.fixture
def cache(redis, clock, db):
    return ResilientCache(redis, MemoryCache(clock), CircuitBreaker(clock, reset_seconds=5), FlushBacklog(db, clock))


def entry(clock, value="v"):
    return CacheEntry(value, clock.now(), "sandbox")


def metric(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_breaker_opens_on_failure_probes_once_after_the_pause_and_closes_on_success(clock):
    breaker = CircuitBreaker(clock, failure_threshold=2, reset_seconds=5)
    assert breaker.acquire() == BreakerState.CLOSED
    assert breaker.failure() is False                 # one failure is below the threshold
    assert breaker.failure() is True and breaker.state == BreakerState.OPEN
    assert breaker.acquire() is None
    clock.advance(5)
    assert breaker.acquire() == BreakerState.HALF_OPEN
    assert breaker.acquire() is None                  # only one probe at a time
    breaker.failure()                                 # probe failed: another full pause
    clock.advance(4.9)
    assert breaker.acquire() is None
    clock.advance(0.1)
    assert breaker.acquire() == BreakerState.HALF_OPEN
    assert breaker.success() is True and breaker.state == BreakerState.CLOSED
    with pytest.raises(ValueError):
        CircuitBreaker(clock, reset_seconds=0)


def test_redis_down_falls_back_to_memory_and_is_not_asked_again_until_the_pause_ends(cache, redis, clock):
    cache.set("t1:a", entry(clock), 60)
    assert redis.get("t1:a") is not None              # Redis is used while it answers
    before = metric("erp_panel_cache_fallback_total", operation="get")
    redis.down = True
    assert cache.get("t1:a") is None                  # fallback is cold, but no exception
    assert metric("erp_panel_cache_fallback_total", operation="get") == before + 1
    assert metric("erp_panel_redis_up") == 0
    calls = redis.calls
    cache.set("t1:a", entry(clock, "local"), 60)
    assert cache.get("t1:a").value == "local"          # served by the in-process cache
    assert cache.add("t1:lock", "1", 10) and not cache.add("t1:lock", "1", 10)   # local locks/rate limits
    assert redis.calls == calls                        # the breaker keeps Redis out of the request path
    redis.down = False
    clock.advance(5)
    assert cache.get("t1:a").value == "v"              # Redis again (its own copy)
    assert cache.breaker.state == BreakerState.CLOSED and metric("erp_panel_redis_up") == 1
    assert cache.fallback.get("t1:a") is None          # in-process copies dropped on recovery


def test_a_flush_during_the_outage_is_recorded_and_runs_before_redis_is_read_again(cache, redis, clock, db):
    cache.set("t1:x", entry(clock, "before-save"), 600)
    cache.set("t2:x", entry(clock, "other-tenant"), 600)
    redis.down = True
    assert cache.delete_prefix("t1:") == 0             # no exception: the save that called this succeeds
    assert [p for p, _ in FlushBacklog(db, clock).pending()] == ["t1:"]
    clock.advance(1)
    assert cache.retry_deferred_flushes() == 0          # Redis still down: nothing ran, nothing lost
    redis.down = False
    clock.advance(5)
    assert cache.get("t1:x") is None                    # the probe ran the flush first
    assert cache.get("t2:x").value == "other-tenant"
    assert FlushBacklog(db, clock).pending() == []


def test_the_worker_retries_flushes_another_process_left_behind(cache, redis, clock, db):
    cache.set("t1:x", entry(clock), 600)
    FlushBacklog(db, clock).record("t1:")               # e.g. a web process that died before Redis returned
    assert cache.retry_deferred_flushes() == 1
    assert redis.get("t1:x") is None and FlushBacklog(db, clock).pending() == []
    FlushBacklog(db, clock).record("t1:")
    assert cache.retry_deferred_flushes() == 0          # throttled: at most every 30 s
    clock.advance(30)
    assert cache.retry_deferred_flushes() == 1


def test_redis_failing_in_the_middle_of_a_call_still_answers(cache, redis, clock):
    cache.set("t1:a", entry(clock), 60)
    original = redis.get

    def dies_mid_request(key):
        redis.down = True
        return original(key)
    redis.get = dies_mid_request
    assert cache.get("t1:a") is None
    assert cache.breaker.state == BreakerState.OPEN


def test_readiness_reports_each_dependency(cache, redis, clock, db):
    assert readiness(db, cache) == (True, {"status": "ok", "ready": True, "database": {"state": "ok", "dialect": "sqlite"},
                                     "redis": {"state": "ok"}})
    redis.down = True
    ready, body = readiness(db, cache)
    assert ready and body["status"] == "degraded"
    assert body["redis"]["state"] == "down" and body["redis"]["fallback"] == "in-process cache"
    clock.advance(3)
    assert readiness(db, cache)[1]["redis"]["down_for_seconds"] == 3
    redis.down = False
    clock.advance(2)
    assert readiness(db, cache)[1]["status"] == "ok"

    class DownDatabase:
        dialect = "postgresql"

        def read(self):
            raise sa.exc.OperationalError("SELECT 1", {}, ConnectionRefusedError())
    ready, body = readiness(DownDatabase(), cache)
    assert not ready and body["status"] == "unavailable" and body["database"]["state"] == "down"
