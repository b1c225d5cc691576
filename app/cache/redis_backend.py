"""Shared cache on Redis for several gunicorn workers/hosts.

Values are stored with the domain JSON codec (no pickle) under a namespace
prefix; lifetimes use PX so Redis drops entries on its own. Every failure to
talk to Redis surfaces as ``CacheUnavailable`` so ``ResilientCache`` can fall
back to the in-process cache instead of failing the request.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from app.cache.backend import CacheBackend, CacheEntry, CacheUnavailable
from app.domain import codec

NAMESPACE = "erp-panel:"
#: seconds to connect / to wait for an answer; short because a slow cache is worse than none
SOCKET_TIMEOUT = 1.0

T = TypeVar("T")


@contextmanager
def _unavailable_on_errors() -> Iterator[None]:
    import redis
    try:
        yield
    except (redis.RedisError, OSError) as exc:
        # Only the type: redis messages can carry the server address and credentials of the URL.
        raise CacheUnavailable(f"Redis {type(exc).__name__}") from None


class RedisCache(CacheBackend):
    """CacheBackend on a redis-py client."""

    def __init__(self, client: Any, namespace: str = NAMESPACE):
        self.client = client
        self.ns = namespace

    @classmethod
    def from_url(cls, url: str, namespace: str = NAMESPACE) -> RedisCache:
        """A client with short timeouts and one immediate reconnect attempt (a pooled connection
        is stale after a Redis restart); longer outages are handled by the caller's breaker."""
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry
        client = redis.Redis.from_url(url, socket_timeout=SOCKET_TIMEOUT, socket_connect_timeout=SOCKET_TIMEOUT,
                                      health_check_interval=30, retry=Retry(NoBackoff(), 1))
        return cls(client, namespace)

    def _call(self, fn: Callable[[], T]) -> T:
        with _unavailable_on_errors():
            return fn()

    def ping(self) -> None:
        """Raise CacheUnavailable unless Redis answers."""
        self._call(self.client.ping)

    def get(self, key: str) -> CacheEntry | None:
        raw = self._call(lambda: self.client.get(self.ns + key))
        if raw is None:
            return None
        try:
            data = json.loads(raw)
            return CacheEntry(value=codec.loads(data["v"]), fetched_at=codec.loads(data["t"]),
                              source=data["s"], kind=data["k"])
        except (ValueError, KeyError, TypeError):
            return None   # not one of our entries (a marker, or foreign data): a miss

    def set(self, key: str, entry: CacheEntry, keep_seconds: float) -> None:
        payload = json.dumps({"v": codec.dumps(entry.value), "t": codec.dumps(entry.fetched_at),
                              "s": entry.source, "k": entry.kind})
        self._call(lambda: self.client.set(self.ns + key, payload, px=max(int(keep_seconds * 1000), 1)))

    def add(self, key: str, value: str, keep_seconds: float) -> bool:
        return bool(self._call(lambda: self.client.set(self.ns + key, value, nx=True,
                                                       px=max(int(keep_seconds * 1000), 1))))

    def exists(self, key: str) -> bool:
        return bool(self._call(lambda: self.client.exists(self.ns + key)))

    def delete(self, key: str) -> None:
        self._call(lambda: self.client.delete(self.ns + key))

    def delete_prefix(self, prefix: str) -> int:
        def run() -> int:
            count = 0
            for k in self.client.scan_iter(match=self.ns + prefix + "*", count=500):
                count += self.client.delete(k)
            return count
        return self._call(run)
