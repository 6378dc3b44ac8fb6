"""SQLAlchemy engine and sessions, created on first use and reused for the life of the container."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Engine, Insert, MetaData, create_engine, event
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import NullPool
from sqlalchemy.types import TypeDecorator

from veriflow.core.db_connect import connect_args, connect_through, reset_secrets, url_from_secret
from veriflow.core.settings import Settings, get_settings
from veriflow.core.snapstart import after_restore, before_snapshot


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC on the way in and out; SQLite drops offsets, so normalise on write."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are refused: use timezone-aware UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# Named constraints, so later migrations can alter them by name (SQLite included).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every Veriflow table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


def database_url(settings: Settings) -> str:
    """The SQLAlchemy URL: DATABASE_URL, the Secrets Manager secret, or the local SQLite file."""
    if settings.database_url is not None:
        return normalise_url(settings.database_url.get_secret_value())
    if settings.database_secret_arn is not None:
        return url_from_secret(settings.database_secret_arn, settings)
    settings.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite+pysqlite:///{settings.sqlite_path}"


def normalise_url(url: str) -> str:
    """PostgreSQL always goes through pg8000 (pure Python: no compiled driver in the layer)."""
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg2://", "postgresql+psycopg://"):
        if url.startswith(prefix):
            return "postgresql+pg8000://" + url[len(prefix):]
    return url


def make_engine(url: str, settings: Settings) -> Engine:
    """An engine for a Lambda container: one connection (a container serves one request at a time and
    RDS Proxy multiplexes), no overflow, pre-ping, recycle, verified TLS outside `local`.
    DB_POOL_SIZE=0 keeps no connection between requests, so an idle Aurora can pause."""
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_engine(url, echo=settings.db_echo, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_immediate)
        return engine
    pooling: dict[str, Any] = (
        {"poolclass": NullPool} if settings.db_pool_size == 0
        else {"pool_size": settings.db_pool_size, "max_overflow": 0, "pool_pre_ping": True, "pool_recycle": 300}
    )
    engine = create_engine(url, echo=settings.db_echo, connect_args=connect_args(settings), **pooling)
    from_secret = settings.database_url is None and settings.database_secret_arn is not None
    connect_through(engine, settings.database_secret_arn if from_secret else None, settings)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Transactions are begun by us (below), not by the driver.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    # With WAL, NORMAL keeps the database consistent and skips an fsync per commit (local only).
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def _sqlite_begin_immediate(connection: Any) -> None:
    # SQLite would upgrade a reading transaction to a writing one and fail with "database is
    # locked" when another writer got there first; taking the write lock at BEGIN makes concurrent
    # transactions wait their turn instead, as row locks make them wait on PostgreSQL.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


_lock = threading.Lock()
_engine: Engine | None = None
_sessions: sessionmaker[Session] | None = None


def get_engine() -> Engine:
    """The process-wide engine, created on first use."""
    global _engine, _sessions
    if _engine is None:
        with _lock:
            if _engine is None:
                settings = get_settings()
                _engine = make_engine(database_url(settings), settings)
                _sessions = sessionmaker(_engine, expire_on_commit=False)
    return _engine


# session.info key: callables run with the session once its transaction has committed.
AFTER_COMMIT = "veriflow_after_commit"


def after_commit(session: Session, callback: Callable[[Session], None]) -> None:
    """Run `callback(session)` once the session's transaction commits (never if it rolls back),
    before `session_scope` returns: in a new transaction on the same connection, so it needs no
    second connection from the pool."""
    session.info.setdefault(AFTER_COMMIT, []).append(callback)


class CommitThenRaise(Exception):
    """Raised inside `session_scope` to commit the work done so far and then raise `error`: a wrong
    password is counted and audited although the request fails."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


@contextmanager
def session_scope() -> Iterator[Session]:
    """A session that commits on success and rolls back on error (but commits on `CommitThenRaise`);
    then runs its `after_commit` work."""
    get_engine()
    assert _sessions is not None
    deferred: Exception | None = None
    with _sessions() as session:
        try:
            with session.begin():
                try:
                    yield session
                except CommitThenRaise as wanted:
                    deferred = wanted.error
        except BaseException:
            session.info.pop(AFTER_COMMIT, None)
            raise
        for callback in session.info.pop(AFTER_COMMIT, []):
            callback(session)
    if deferred is not None:
        raise deferred


def insert_ignoring_duplicates(
    session: Session, model: type[Base], values: dict[str, Any], unique: list[str]
) -> Insert:
    """INSERT ... ON CONFLICT (`unique`) DO NOTHING in the session's dialect: a racing transaction's
    row wins without aborting ours. Add `.returning(...)` to learn whether this one inserted."""
    # Imported here: a deployed function only ever needs PostgreSQL's, and only on these writes.
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(model).values(**values).on_conflict_do_nothing(index_elements=unique)
    from sqlalchemy.dialects import sqlite

    return sqlite.insert(model).values(**values).on_conflict_do_nothing(index_elements=unique)


def get_session() -> Iterator[Session]:
    """FastAPI dependency: one session per request, committed when the route returns and before
    the response is sent (`SessionDep` declares it with scope="function"), so a failed commit is a
    500, never a 2xx for nothing stored."""
    with session_scope() as session:
        yield session


def reset_engine() -> None:
    """Dispose the engine (tests switching databases)."""
    global _engine, _sessions
    with _lock:
        if _engine is not None:
            _engine.dispose()
        _engine, _sessions = None, None
    reset_secrets()


# No connection goes into a snapshot, and a resumed copy reads its credentials afresh (they may
# have rotated while the snapshot was cached).
before_snapshot(reset_engine)
after_restore(reset_engine)


@before_snapshot
def _import_driver() -> None:
    # What a deployed function connects with, loaded once into the snapshot, not on each first query.
    import pg8000  # noqa: F401
    import sqlalchemy.dialects.postgresql.pg8000  # noqa: F401
