"""The sandbox ERP's demo switches (simulated outage, added latency), shared by every process.

The demo's "simulate outage" form is served by one gunicorn worker, while orders are
created by separate worker processes: a switch kept in process memory would reach
only the process that served the form. The switches live in one row of the app
database instead, and each process re-reads them at most once per ``refresh_seconds``
(on the injected clock), so a sandbox call costs no query most of the time.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from app.clock import Clock
from app.storage.db import Database, upsert
from app.storage.metadata import UTCDateTime, metadata

log = logging.getLogger("erp_panel.sandbox")

#: seconds a process trusts its copy of the switches before reading them again
REFRESH_SECONDS = 1.0

sandbox_switches = sa.Table(
    "sandbox_switches", metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("down", sa.Boolean, nullable=False, default=False),
    sa.Column("latency_ms", sa.Float, nullable=True),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)


@dataclass(frozen=True)
class Switches:
    """What the demo switched: an outage, and a latency that replaces the configured one (None: keep it)."""

    down: bool = False
    latency_ms: float | None = None


class SharedSwitches:
    """Reads and writes the shared switch row, cached per process for ``refresh_seconds``."""

    def __init__(self, db: Database, clock: Clock, *, name: str = "default",
                 refresh_seconds: float = REFRESH_SECONDS):
        self.db = db
        self.clock = clock
        self.name = name
        self.refresh_seconds = refresh_seconds
        self._cached = Switches()
        self._read_at: float | None = None
        self._lock = threading.Lock()

    def current(self) -> Switches:
        """The switches as of at most ``refresh_seconds`` ago (the last known ones if the read fails)."""
        now = self.clock.monotonic()
        with self._lock:
            if self._read_at is not None and now - self._read_at < self.refresh_seconds:
                return self._cached
            self._read_at = now
        try:
            with self.db.read() as conn:
                row = conn.execute(sa.select(sandbox_switches).where(sandbox_switches.c.name == self.name)).first()
        except sa.exc.SQLAlchemyError as exc:
            log.warning("could not read the sandbox switches", extra={"ctx": {"error_type": type(exc).__name__}})
            return self._cached
        fresh = Switches(bool(row.down), row.latency_ms) if row is not None else Switches()
        with self._lock:
            self._cached = fresh
        return fresh

    def update(self, *, down: bool | None = None, latency_ms: float | None = None) -> Switches:
        """Change the given switches for every process; returns the new state."""
        values: dict[str, Any] = {"updated_at": self.clock.now()}
        if down is not None:
            values["down"] = down
        if latency_ms is not None:
            values["latency_ms"] = latency_ms
        with self.db.write() as conn:
            upsert(conn, sandbox_switches, {"name": self.name}, values)
            row = conn.execute(sa.select(sandbox_switches).where(sandbox_switches.c.name == self.name)).one()
        fresh = Switches(bool(row.down), row.latency_ms)
        with self._lock:
            self._cached, self._read_at = fresh, self.clock.monotonic()
        return fresh
