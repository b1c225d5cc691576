"""Engine creation and transaction helpers.

SQLite: WAL, a 5 s busy timeout, foreign keys on, and write transactions opened
with BEGIN IMMEDIATE so a read-then-write never fails with SQLITE_BUSY halfway
(a deferred transaction that upgrades to a writer can, despite busy_timeout).
PostgreSQL: psycopg 3, pooled; a connection idle in the pool for more than
PING_AFTER_IDLE_SECONDS is pinged before it is handed out (a server restart or an idle
timeout closes idle connections). Busy connections are not pinged - a ping per checkout was
a round trip per transaction - so one that died anyway fails its statement once, and
SQLAlchemy then invalidates the pool and reconnects
(https://docs.sqlalchemy.org/en/20/core/pooling.html#dealing-with-disconnects).
"""
from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterator

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from app.errors import ConfigError
from app.storage.limits import refuse_nul_characters, require_fit

SQLITE_BUSY_TIMEOUT_MS = 5000
#: seconds a pooled PostgreSQL connection may sit idle before it is pinged on checkout
PING_AFTER_IDLE_SECONDS = 10.0
#: seconds to wait for a PostgreSQL connection (libpq waits for ever by default) unless the URL says otherwise
PG_CONNECT_TIMEOUT = 10


class DatabaseUnreachable(Exception):
    """The database could not be opened; the message names where (host and port, or file) and why."""

    def __init__(self, where: str, cause: str):
        super().__init__(f"cannot reach the database {where}: {cause}")
        self.where = where
        self.cause = cause


def describe_target(url: str) -> str:
    """Where a database URL points, without user or password: 'PostgreSQL at host:port (database d)'."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"SQLite file {parsed.database or ':memory:'}"
    return f"PostgreSQL at {parsed.host or 'localhost'}:{parsed.port or 5432} (database {parsed.database or '?'})"


def connection_failure_cause(exc: BaseException) -> str:
    """The driver's reason in one line, e.g. 'Connection refused' (psycopg prefixes it with the address)."""
    first = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or ["unknown error"])[0]
    return first.rsplit(" failed: ", 1)[-1].strip() or first


class SchemaError(ConfigError):
    """The database's schema cannot be brought to this release's head (nothing was changed)."""


def normalise_url(url: str) -> str:
    """Map plain postgres URLs to the psycopg 3 driver; validate the scheme."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    try:
        parsed = sa.engine.make_url(url)
    except (sa.exc.ArgumentError, ValueError) as exc:  # ValueError: a port that is not a number; keep the message plain
        raise ConfigError(f"DATABASE_URL is not a valid database URL: {exc}") from None
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigError(
            f"DATABASE_URL uses '{parsed.get_backend_name()}'; only sqlite and postgresql are supported"
        )
    return url


def create_engine(url: str, *, pool_size: int = 10) -> Engine:
    """Create an engine with the pragmas/pooling this app relies on."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        path = sa.engine.make_url(url).database
        if path and path != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        engine = sa.create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            pool_pre_ping=False,
        )
        _install_sqlite_hooks(engine)
    else:
        connect_args = {} if "connect_timeout" in url else {"connect_timeout": PG_CONNECT_TIMEOUT}
        engine = sa.create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_recycle=1800,
                                  connect_args=connect_args)
        _install_idle_ping(engine)
    sa.event.listen(engine, "before_cursor_execute", refuse_nul_characters)
    return engine


def _install_idle_ping(engine: Engine) -> None:
    @sa.event.listens_for(engine, "connect")
    def _on_connect(_dbapi_conn, record):
        record.info["idle_since"] = time.monotonic()

    @sa.event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_conn, record):
        record.info["idle_since"] = time.monotonic()

    @sa.event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_conn, record, _proxy):
        if time.monotonic() - record.info.get("idle_since", 0.0) <= PING_AFTER_IDLE_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except engine.dialect.loaded_dbapi.Error:
            raise sa.exc.DisconnectionError("pooled connection did not answer a ping") from None


def _install_sqlite_hooks(engine: Engine) -> None:
    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # Take transaction control from pysqlite so we can choose BEGIN IMMEDIATE.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn):
        mode = "IMMEDIATE" if conn.get_execution_options().get("sqlite_immediate") else "DEFERRED"
        conn.exec_driver_sql(f"BEGIN {mode}")


def insert_or_ignore(conn: Connection, table: sa.Table, values: dict) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING (any unique key); True when the row was inserted.

    Text values longer than their column raise ``ValueTooLong`` (a 400 problem) before the INSERT.

    One atomic statement on both backends, so two concurrent writers can never
    both insert: the loser's insert becomes a no-op (PostgreSQL waits for the
    winner's commit, SQLite writers are serialised by BEGIN IMMEDIATE).
    """
    from sqlalchemy.dialects import postgresql, sqlite
    require_fit(table, values)
    dialect = sqlite if conn.dialect.name == "sqlite" else postgresql
    # RETURNING instead of rowcount: with psycopg the driver's rowcount is not reliable here.
    key = list(table.primary_key.columns)[0]
    statement = dialect.insert(table).values(**values).on_conflict_do_nothing().returning(key)
    return conn.execute(statement).first() is not None


def upsert(conn: Connection, table: sa.Table, key: dict, values: dict) -> None:
    """Insert the row, or update ``values`` on the row matching ``key`` (race-free on both backends)."""
    if not insert_or_ignore(conn, table, {**key, **values}):
        condition = sa.and_(*(table.c[name] == value for name, value in key.items()))
        conn.execute(table.update().where(condition).values(**values))


class Database:
    """Owns the engine; hands out short transactions."""

    def __init__(self, url: str):
        self.url = normalise_url(url)
        self.engine = create_engine(self.url)
        # SQLite has one writer at a time; a writer that finds the lock taken sleeps in SQLite's busy
        # handler (steps up to 100 ms) even after the lock is free again. Queueing this process's writers
        # on a Python lock first hands the write lock over at once (webhook acks stay fast while workers
        # write); other processes still wait through the busy timeout.
        self._sqlite_writer = threading.RLock() if self.dialect == "sqlite" else None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def is_postgres(self) -> bool:
        return self.dialect == "postgresql"

    def ensure_reachable(self) -> None:
        """Open one connection, or raise DatabaseUnreachable naming the host (or file) and the cause."""
        try:
            with self.engine.connect():
                pass
        except sa.exc.DBAPIError as exc:
            raise DatabaseUnreachable(describe_target(self.url), connection_failure_cause(exc)) from exc

    @contextlib.contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only-intended transaction (deferred on SQLite)."""
        with self.engine.connect() as conn:
            with conn.begin():
                yield conn

    @contextlib.contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction: BEGIN IMMEDIATE on SQLite, normal on PostgreSQL."""
        if self._sqlite_writer is None:
            with self.engine.connect() as conn:
                with conn.begin():
                    yield conn
            return
        with self._sqlite_writer, self.engine.connect() as conn:
            conn = conn.execution_options(sqlite_immediate=True)
            with conn.begin():
                yield conn

    @contextlib.contextmanager
    def schema_change(self, lock_id: int) -> Iterator[Connection]:
        """One write transaction for a schema upgrade, serialised across processes.

        PostgreSQL: a transaction-scoped advisory lock on ``lock_id`` (DDL is transactional there).
        SQLite: the single writer lock (BEGIN IMMEDIATE), with foreign-key enforcement off for the
        duration: a batch migration copies a table and drops the original, and with enforcement on
        that DROP would cascade-delete the rows of every table referencing it
        (https://www.sqlite.org/lang_altertable.html#otheralter). The PRAGMA only takes effect
        outside a transaction, so it is set before BEGIN; ``foreign_key_check`` must come back
        empty before the transaction commits.
        """
        if self._sqlite_writer is None:
            with self.write() as conn:
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({int(lock_id)})")
                yield conn
            return
        with self._sqlite_writer, self.engine.connect() as conn:
            driver = conn.connection.driver_connection
            if driver is None:      # only after invalidate(), which nothing here does
                raise RuntimeError("the SQLite connection has no driver connection")
            driver.execute("PRAGMA foreign_keys=OFF")
            try:
                conn = conn.execution_options(sqlite_immediate=True)
                with conn.begin():
                    yield conn
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if broken:
                        raise SchemaError(f"the schema change left {len(broken)} rows with dangling "
                                          f"foreign keys (first: {tuple(broken[0])}); rolled back")
            finally:
                driver.execute("PRAGMA foreign_keys=ON")

    def dispose(self) -> None:
        self.engine.dispose()
