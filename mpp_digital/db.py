"""Database engine and sessions: the one way the app and the tests reach the database."""

from __future__ import annotations

import asyncio
import json
import weakref
from collections.abc import AsyncIterator, Callable, Generator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypeVar

import asyncpg
from sqlalchemy import event, make_url
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql import Executable
from sqlmodel import Session, create_engine

from mpp_digital.blocking import in_session
from mpp_digital.settings import get_settings

T = TypeVar("T")


def normalise_url(url: str) -> str:
    """Use the psycopg 3 driver for plain postgresql:// URLs."""
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.removeprefix("postgres://")
    return url


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    """One engine per database URL, configured for concurrent use.

    """
    url = normalise_url(url)
    if url.startswith("sqlite"):
        eng = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(eng, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no cover - trivial
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return eng
    # Pre-ping: after a database restart every pooled connection is dead; a checkout tests its
    # connection (one short round trip; the booking's hot path does not use this pool) and
    # replaces a dead one, so no request fails because of the restart once the server is back.
    # A server that is down or unreachable fails a connection attempt within CONNECT_TIMEOUT.
    return create_engine(url, pool_size=10, max_overflow=20, pool_recycle=1800, pool_pre_ping=True,
                         connect_args={"connect_timeout": CONNECT_TIMEOUT})


CONNECT_TIMEOUT = 5  # seconds: a database that does not answer is reported as unavailable, not waited for


class DatabaseUnavailable(Exception):
    """The database cannot be reached (down, restarting): nothing was done; try again later."""


def is_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` means the database could not be reached (rather than a bug or a refusal)."""
    from sqlalchemy.exc import DBAPIError, OperationalError
    from sqlalchemy.exc import InterfaceError as SAInterfaceError

    if isinstance(exc, DatabaseUnavailable | OperationalError | SAInterfaceError):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, ConnectionError | TimeoutError | asyncpg.PostgresConnectionError
                      | asyncpg.InterfaceError | asyncpg.CannotConnectNowError)


def get_engine() -> Engine:
    """The engine for the configured database."""
    return engine_for(get_settings().database_url)


@contextmanager
def session_scope() -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except Exception:
            session.rollback()
            raise


# --------------------------------------------------------------------------- the hot path
#
# A booking rush runs the session check behind every guarded event and the booking itself on
# every attempt. Through a thread and an ORM session each statement cost ~0.7 ms of CPU. Here a
# prebuilt Core statement runs on the event loop instead: on PostgreSQL over asyncpg (prepared
# and cached per connection, ~0.04 ms of CPU a statement; psycopg's async driver took ~0.11),
# on SQLite through the same engine in a thread. The statements stay SQLAlchemy's, compiled for
# asyncpg once, with their bind and result types; only the execution is lean.
#
# Work of several statements is written once as *steps*: a generator that yields
# ``(statement, params)`` and receives the rows (tuples) back, and returns its result. ``drive``
# runs steps in a caller's ORM session (inside its transaction); ``drive_async`` runs them on
# the event loop on their own. A write on the hot path says what it changed (RETURNING). A
# unique constraint that refuses a statement comes back into the steps as ``Conflict``; the
# transaction is then lost, so the steps must end (raise).

Step = tuple[Executable, dict[str, Any]]
Steps = Generator[Step, list[tuple], T]
_HOT_DIALECT = asyncpg_dialect()  # compiles $1, $2 ... parameters


class Conflict(Exception):
    """A unique constraint refused the statement (the work's transaction will roll back)."""


@dataclass(frozen=True)
class _Compiled:
    """A statement compiled for asyncpg once: SQL, parameter order, bind and result processors."""

    sql: str
    names: tuple[str, ...]  # the parameters in $n order
    literals: dict[str, Any]  # parameters the statement carries itself (``values(kind="x")``)
    binds: tuple[tuple[str, Callable[[Any], Any]], ...]
    results: tuple[Callable[[Any], Any] | None, ...]
    writes: bool


@lru_cache(maxsize=128)
def _compiled(statement: Executable) -> _Compiled:
    dialect = _HOT_DIALECT
    compiled = statement.compile(dialect=dialect)
    defaults = [c.key for c in [*getattr(compiled, "insert_prefetch", ()), *getattr(compiled, "update_prefetch", ())]]
    if defaults:  # SQLAlchemy computes these in its execution context, which the hot path skips
        raise ValueError(f"give these columns a value on the hot path: {', '.join(defaults)}")
    columns = getattr(statement, "exported_columns", ())
    writes = bool(getattr(statement, "is_dml", False))
    if writes and not columns:
        raise ValueError("a write on the hot path says what it changed: give it RETURNING")
    binds, literals = {}, {}
    for bind, name in compiled.bind_names.items():  # each parameter under the name the SQL gives it
        if getattr(bind, "expanding", False):
            raise ValueError("expanding IN parameters are not supported on the hot path")
        if not bind.required:
            literals[name] = bind.effective_value
        processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None:
            binds.setdefault(name, processor)  # a name used twice is one value, processed once
    results = tuple(c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns)
    return _Compiled(compiled.string, tuple(compiled.positiontup or ()), literals, tuple(binds.items()), results,
                     writes)


async def _connect(dsn: str) -> asyncpg.Connection:
    # The hot statements are key lookups whose plan never depends on the values: plan them once
    # per connection instead of on each execution (PostgreSQL otherwise tries custom plans first).
    conn = await asyncpg.connect(dsn, timeout=CONNECT_TIMEOUT,
                                 server_settings={"plan_cache_mode": "force_generic_plan"})
    for json_type in ("json", "jsonb"):  # as SQLAlchemy's own asyncpg dialect decodes them
        await conn.set_type_codec(json_type, encoder=str, decoder=json.loads, schema="pg_catalog")
    return conn


class _LoopPool:
    """Connections for one event loop, at most ``size`` at once."""

    def __init__(self, dsn: str, size: int) -> None:
        self.dsn, self.idle = dsn, []
        self.slots = asyncio.Semaphore(size)

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[asyncpg.Connection]:
        async with self.slots:
            while self.idle and self.idle[-1].is_closed():  # died while idle (a database restart)
                self.idle.pop()
            try:
                conn = self.idle.pop() if self.idle else await _connect(self.dsn)
            except Exception as exc:
                if is_unavailable(exc) or isinstance(exc, OSError):
                    raise DatabaseUnavailable(str(exc)) from exc
                raise
            try:
                yield conn
            except asyncio.CancelledError:  # cancelled mid-statement: the connection is not reused
                conn.terminate()
                raise
            finally:  # back to the idle ones, unless it died (a restart) or was left inside a transaction
                if not conn.is_closed() and not conn.is_in_transaction():
                    self.idle.append(conn)
                elif not conn.is_closed():
                    conn.terminate()

    async def close(self) -> None:
        while self.idle:
            await self.idle.pop().close()


_POOLS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopPool] = weakref.WeakKeyDictionary()
HOT_PATH_CONNECTIONS = 8  # per event loop (one per worker process)


@lru_cache(maxsize=8)
def _dsn(url: str) -> str:
    return make_url(normalise_url(url)).set(drivername="postgresql").render_as_string(hide_password=False)


def _pool(url: str) -> _LoopPool:
    loop = asyncio.get_running_loop()
    pool = _POOLS.get(loop)
    if pool is None or pool.dsn != _dsn(url):
        pool = _POOLS[loop] = _LoopPool(_dsn(url), HOT_PATH_CONNECTIONS)
    return pool


async def close_hot_path() -> None:
    """Close this event loop's hot-path connections (a loop that ends: tests, a CLI run)."""
    pool = _POOLS.pop(asyncio.get_running_loop(), None)
    if pool is not None:
        await pool.close()


async def _execute(conn: asyncpg.Connection, plan: _Compiled, params: dict[str, Any]) -> list[tuple]:
    values = {**plan.literals, **params}
    for name, processor in plan.binds:
        values[name] = processor(values[name])
    try:
        records = await conn.fetch(plan.sql, *[values[name] for name in plan.names])
    except asyncpg.UniqueViolationError as exc:
        raise Conflict(str(exc)) from None
    if any(plan.results):
        return [tuple(p(v) if p else v for p, v in zip(plan.results, row, strict=True)) for row in records]
    return [tuple(row) for row in records]


def drive(session: Session, steps: Steps[T]) -> T:
    """Run steps in the caller's session and transaction (the caller commits or rolls back)."""
    session.flush()  # the statements run on the session's connection: it must hold what the session has
    sent: list[tuple] | BaseException | None = None
    while True:
        try:
            statement, params = steps.throw(sent) if isinstance(sent, BaseException) else steps.send(sent)
        except StopIteration as done:
            return done.value
        try:
            result = session.connection().execute(statement, params)
            sent = [tuple(r) for r in result] if result.returns_rows else []
        except IntegrityError as exc:
            if not _unique_violation(exc.orig):  # a CHECK or foreign key: a bug, not a race
                raise
            sent = Conflict(str(exc.orig))


def _unique_violation(error: BaseException | None) -> bool:
    """Whether a driver's integrity error is a unique constraint (PostgreSQL 23505, SQLite's message)."""
    return getattr(error, "sqlstate", None) == "23505" or "UNIQUE constraint failed" in str(error)


async def drive_async(steps: Steps[T]) -> T:
    """Run steps on their own, on the event loop (PostgreSQL) or in a thread (SQLite).

    Reads run on their own until the first write, which begins a transaction; it commits when
    the steps end, and when they raise having changed nothing (a refused conditional update);
    otherwise it rolls back. All or nothing, as in ``session_scope``.
    """
    engine = get_engine()
    if engine.dialect.name != "postgresql":
        return await in_session(drive, steps=steps)
    async with _pool(get_settings().database_url).connection() as conn:
        changed, sent = False, None
        try:
            while True:
                try:
                    statement, params = steps.throw(sent) if isinstance(sent, BaseException) else steps.send(sent)
                except StopIteration as done:
                    if conn.is_in_transaction():
                        await conn.execute("COMMIT")
                    return done.value
                plan = _compiled(statement)
                if plan.writes and not conn.is_in_transaction():
                    await conn.execute("BEGIN")
                try:
                    sent = await _execute(conn, plan, params)
                except Conflict as exc:
                    sent, changed = exc, True
                    continue
                changed = changed or (plan.writes and bool(sent))
        except Exception as exc:
            if conn.is_in_transaction() and not conn.is_closed():  # a refusal that changed nothing: nothing to undo
                await conn.execute("COMMIT" if not changed else "ROLLBACK")
            if is_unavailable(exc) or isinstance(exc, OSError):  # the connection died: the server rolled back
                raise DatabaseUnavailable(str(exc)) from exc
            raise


def _one(statement: Executable, params: dict[str, Any]) -> Steps[list[tuple]]:
    return (yield statement, params)


async def fetch(statement: Executable, params: dict[str, Any]) -> list[tuple]:
    """The rows of one prebuilt statement, run on its own on the hot path."""
    return await drive_async(_one(statement, params))
