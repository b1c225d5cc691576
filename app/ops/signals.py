"""Per-tenant signals for the embedded alerting and the operations page, kept in the database.

Every process (web workers, order workers) counts what it sees in memory - syncs that worked or
failed, sections with nothing inside their stale limit, refused credentials, API budgets - and
writes the counts in one transaction at most every ``flush_interval`` seconds (at once for an
auth failure), so a busy panel costs no extra database write per read. Counts land in one-minute
buckets (``ops_counts``), summed over the alert windows by :mod:`app.ops.inputs`; the order
worker's maintenance loop and a background thread in web processes flush what is left.
"""
from __future__ import annotations

import logging
import threading
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from app.clock import Clock
from app.ops.budget import Budget
from app.ops.tables import ops_budgets, ops_counts
from app.storage.db import Database, upsert

log = logging.getLogger("erp_panel.ops")

READ_OK, READ_FAILED = "read_ok", "read_failed"
JOB_OK, JOB_FAILED = "job_ok", "job_failed"
STALE_EXCEEDED = "stale_exceeded"
AUTH_FAILURE = "auth_failure"
#: signals that make up the sync error rate
SYNC_OK, SYNC_FAILED = (READ_OK, JOB_OK), (READ_FAILED, JOB_FAILED)

#: keys kept in memory while the database cannot be written, before the oldest are dropped
MAX_PENDING = 20_000

CountKey = tuple[str, datetime, str, str]          # tenant, bucket, signal, subject


def minute(when: datetime) -> datetime:
    """The one-minute bucket a time falls in."""
    return when.replace(second=0, microsecond=0)


class Signals:
    """Buffered per-tenant counters and budgets; thread-safe."""

    def __init__(self, db: Database, clock: Clock, *, flush_interval: float = 10.0):
        self.db = db
        self.clock = clock
        self.flush_interval = flush_interval
        self._counts: dict[CountKey, int] = {}
        self._budgets: dict[tuple[str, str], tuple[Budget, datetime]] = {}
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._last_flush = clock.monotonic()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- recording ----------------------------------------------------------------------------
    def add(self, tenant_id: str, signal: str, subject: str = "", n: int = 1, *, urgent: bool = False) -> None:
        """Count ``n`` events of ``signal`` for a tenant (``urgent``: write now, not with the next batch).

        May write to the database: call it outside any transaction of the caller.
        """
        if not tenant_id:
            return
        key = (tenant_id, minute(self.clock.now()), signal, subject[:60])
        with self._lock:
            self._counts[key] = self._counts.get(key, 0) + n
        self._maybe_flush(urgent)

    def note_budget(self, tenant_id: str, vendor: str, budget: Budget) -> None:
        """Remember a vendor's reported budget (the most used one until the next flush).

        Never writes by itself: it runs inside outbound HTTP calls, which may happen while a caller
        holds a database transaction; the next ``add`` or background flush writes it.
        """
        if not tenant_id:
            return
        key = (tenant_id, vendor[:40])
        with self._lock:
            known = self._budgets.get(key)
            if known is None or budget.used_ratio >= known[0].used_ratio:
                self._budgets[key] = (budget, self.clock.now())

    def _maybe_flush(self, urgent: bool) -> None:
        if urgent or self.clock.monotonic() - self._last_flush >= self.flush_interval:
            self.flush()

    # -- writing ------------------------------------------------------------------------------
    def flush(self) -> int:
        """Write what was counted since the last flush; returns how many rows were written.

        A failed write keeps the counts for the next flush (up to MAX_PENDING keys): a database
        hiccup loses no alert signal, and never fails the panel read or job that counted it.
        """
        with self._flush_lock:
            with self._lock:
                counts, self._counts = self._counts, {}
                budgets, self._budgets = self._budgets, {}
                self._last_flush = self.clock.monotonic()
            if not counts and not budgets:
                return 0
            try:
                with self.db.write() as conn:
                    if counts:
                        _add_counts(conn, counts)
                    for (tenant_id, vendor), (budget, seen) in budgets.items():
                        upsert(conn, ops_budgets, {"tenant_id": tenant_id, "vendor": vendor},
                               {"used_ratio": budget.used_ratio, "remaining": budget.remaining,
                                "budget_limit": budget.limit, "observed_at": seen})
            except sa.exc.SQLAlchemyError as exc:
                self._restore(counts, budgets)
                log.warning("could not write operations signals; kept for the next try",
                            extra={"ctx": {"error_type": type(exc).__name__, "pending": len(counts)}})
                return 0
            return len(counts) + len(budgets)

    def _restore(self, counts: dict[CountKey, int], budgets: dict) -> None:
        with self._lock:
            for key, n in counts.items():
                self._counts[key] = self._counts.get(key, 0) + n
            for key, value in budgets.items():
                self._budgets.setdefault(key, value)
            while len(self._counts) > MAX_PENDING:
                self._counts.pop(next(iter(self._counts)))

    # -- background flushing (web processes; the worker's maintenance loop flushes by itself) ------
    def start_background(self) -> None:
        """Flush every ``flush_interval`` seconds from a daemon thread until ``stop_background``."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="ops-signals-flush", daemon=True)
        self._thread.start()

    def stop_background(self) -> None:
        """Stop the background thread and write what is left."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self.flush()

    def _run(self) -> None:
        while not self._stop.wait(self.flush_interval):
            self.flush()


def _add_counts(conn: sa.Connection, counts: dict[CountKey, int]) -> None:
    """Add to the bucket rows (INSERT ... ON CONFLICT DO UPDATE events = events + new), one statement."""
    dialect = sqlite if conn.dialect.name == "sqlite" else postgresql
    statement = dialect.insert(ops_counts)
    statement = statement.on_conflict_do_update(
        index_elements=[ops_counts.c.tenant_id, ops_counts.c.bucket, ops_counts.c.signal, ops_counts.c.subject],
        set_={"events": ops_counts.c.events + statement.excluded.events})
    rows = [{"tenant_id": t, "bucket": b, "signal": s, "subject": subject, "events": n}
            for (t, b, s, subject), n in counts.items()]
    conn.execute(statement, rows)
