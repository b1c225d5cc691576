"""Readiness: is this process able to serve, and which dependency is degraded.

Ready means the database answers: without it nothing works. Redis is reported
separately; when it is down the app keeps serving from the in-process cache, so
the process is "degraded", not unready (a load balancer must keep sending traffic).
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from app.cache.backend import CacheBackend
from app.storage.db import Database


def database_state(db: Database) -> dict[str, Any]:
    """{"state": "ok", "dialect": ...} or {"state": "down", ...} after a trivial query."""
    try:
        with db.read() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure here means "not ready"; only the type is reported
        return {"state": "down", "dialect": db.dialect, "reason": "database_unreachable",
                "error_type": type(exc).__name__}
    return {"state": "ok", "dialect": db.dialect}


def redis_state(cache: CacheBackend) -> dict[str, Any]:
    """The shared cache's state: ok, down (in-process fallback serving) or not_configured."""
    return cache.check()


def readiness(db: Database, cache: CacheBackend) -> tuple[bool, dict[str, Any]]:
    """(ready, body) where body is {"status": ok|degraded|unavailable, "ready": bool, "database": ..., "redis": ...}."""
    database = database_state(db)
    redis = redis_state(cache)
    ready = database["state"] == "ok"
    if not ready:
        status = "unavailable"
    elif redis["state"] == "down":
        status = "degraded"
    else:
        status = "ok"
    return ready, {"status": status, "ready": ready, "database": database, "redis": redis}
