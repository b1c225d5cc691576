"""Shared cache on Redis for several gunicorn workers/hosts.

Values are stored with the domain JSON codec (no pickle) under a namespace
prefix; lifetimes use PX so Redis drops entries on its own.
"""
from __future__ import annotations

import json

from app.cache.backend import CacheBackend, CacheEntry
from app.domain import codec

NAMESPACE = "erp-panel:"


class RedisCache(CacheBackend):
    """CacheBackend on a redis-py client."""

    def __init__(self, client, namespace: str = NAMESPACE):
        self.client = client
        self.ns = namespace

    @classmethod
    def from_url(cls, url: str, namespace: str = NAMESPACE) -> RedisCache:
        import redis
        client = redis.Redis.from_url(url, socket_timeout=2.0, socket_connect_timeout=2.0,
                                      health_check_interval=30)
        return cls(client, namespace)

    def get(self, key: str) -> CacheEntry | None:
        raw = self.client.get(self.ns + key)
        if raw is None:
            return None
        data = json.loads(raw)
        if not isinstance(data, dict) or "v" not in data:
            return None
        return CacheEntry(value=codec.loads(data["v"]), fetched_at=codec.loads(data["t"]),
                          source=data["s"], kind=data["k"])

    def set(self, key: str, entry: CacheEntry, keep_seconds: float) -> None:
        payload = json.dumps({"v": codec.dumps(entry.value), "t": codec.dumps(entry.fetched_at),
                              "s": entry.source, "k": entry.kind})
        self.client.set(self.ns + key, payload, px=max(int(keep_seconds * 1000), 1))

    def add(self, key: str, value: str, keep_seconds: float) -> bool:
        return bool(self.client.set(self.ns + key, value, nx=True, px=max(int(keep_seconds * 1000), 1)))

    def exists(self, key: str) -> bool:
        return bool(self.client.exists(self.ns + key))

    def delete(self, key: str) -> None:
        self.client.delete(self.ns + key)

    def delete_prefix(self, prefix: str) -> int:
        count = 0
        for k in self.client.scan_iter(match=self.ns + prefix + "*", count=500):
            count += self.client.delete(k)
        return count
