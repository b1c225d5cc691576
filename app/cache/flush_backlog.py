"""Cache flushes that could not reach Redis, kept in the app database until they can.

A settings save commits first and then drops the tenant's cached entries. When
Redis is down at that moment the save still succeeds; the prefix is recorded
here and deleted from Redis as soon as any process sees Redis again (on the
breaker's recovery, and periodically by the order worker), so no process serves
entries from before the save once Redis is back.
"""
from __future__ import annotations

import logging
from datetime import datetime

import sqlalchemy as sa

from app.clock import Clock
from app.storage.db import Database, upsert
from app.storage.metadata import UTCDateTime, metadata

log = logging.getLogger("erp_panel.cache")

#: longest prefix recorded (tenant ids are far shorter; a longer prefix is cut, flushing a superset)
MAX_PREFIX = 200

cache_flush_backlog = sa.Table(
    "cache_flush_backlog", metadata,
    sa.Column("prefix", sa.String(MAX_PREFIX), primary_key=True),
    sa.Column("requested_at", UTCDateTime, nullable=False),
)


class FlushBacklog:
    """Pending prefix deletions for the shared cache."""

    def __init__(self, db: Database, clock: Clock):
        self.db = db
        self.clock = clock

    def record(self, prefix: str) -> None:
        """Remember that ``prefix`` must still be deleted from the shared cache (never raises)."""
        try:
            with self.db.write() as conn:
                upsert(conn, cache_flush_backlog, {"prefix": prefix[:MAX_PREFIX]},
                       {"requested_at": self.clock.now()})
        except sa.exc.SQLAlchemyError as exc:
            log.error("could not record a deferred cache flush", extra={"ctx": {
                "prefix": prefix[:MAX_PREFIX], "error_type": type(exc).__name__}})

    def pending(self) -> list[tuple[str, datetime]]:
        """(prefix, requested_at) of every flush still to run, oldest first."""
        with self.db.read() as conn:
            rows = conn.execute(sa.select(cache_flush_backlog.c.prefix, cache_flush_backlog.c.requested_at)
                                .order_by(cache_flush_backlog.c.requested_at)).all()
        return [(r.prefix, r.requested_at) for r in rows]

    def done(self, prefix: str, requested_at: datetime) -> None:
        """Forget a flush that ran, unless it was requested again meanwhile."""
        with self.db.write() as conn:
            conn.execute(cache_flush_backlog.delete().where(cache_flush_backlog.c.prefix == prefix,
                                                            cache_flush_backlog.c.requested_at <= requested_at))
