"""SQLAlchemy engine and sessions, created on first use and reused for the life of the container."""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Engine, Insert, MetaData, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, Dialect, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import NullPool
from sqlalchemy.types import TypeDecorator

from veriflow.core.errors import ServiceUnavailable
from veriflow.core.settings import Settings, SettingsError, get_settings

# Aurora's RDS root certificates and the Amazon roots of RDS Proxy's (see the file's header).
RDS_CA_BUNDLE = Path(__file__).with_name("data") / "rds-ca-bundle.pem"
# SQLSTATEs of a refused login: invalid_password, invalid_authorization_specification.
AUTHENTICATION_FAILURES = frozenset({"28P01", "28000"})


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
        return _url_from_secret(settings.database_secret_arn, settings)
    settings.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite+pysqlite:///{settings.sqlite_path}"


def normalise_url(url: str) -> str:
    """PostgreSQL always goes through pg8000 (pure Python: no compiled driver in the layer)."""
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg2://", "postgresql+psycopg://"):
        if url.startswith(prefix):
            return "postgresql+pg8000://" + url[len(prefix):]
    return url


def _connection_from_secret(secret_arn: str, settings: Settings, *, force_fetch: bool = False) -> dict[str, Any]:
    """pg8000's connection parameters from the RDS-format secret. DATABASE_HOST, when set, wins over
    the secret's host: RDS Proxy's endpoint, or the cluster's for RDS-managed secrets (which hold
    only the user name and password)."""
    raw = _secrets_provider().get(secret_arn, max_age=300, force_fetch=force_fetch)
    if raw is None:
        raise SettingsError("DATABASE_SECRET_ARN", "the database secret has no value")
    secret: dict[str, Any] = json.loads(raw) if isinstance(raw, str) else json.loads(bytes(raw))
    host = settings.database_host or secret.get("host")
    if not host:
        raise SettingsError("DATABASE_HOST", "the database secret names no host: set DATABASE_HOST")
    return {
        "user": secret["username"],
        "password": secret["password"],
        "host": host,
        "port": int(secret.get("port") or 5432),
        "database": secret.get("dbname") or secret.get("database") or "veriflow",
    }


def _secrets_provider() -> Any:
    """One Powertools provider (and cache) per container, over our Secrets Manager client."""
    global _secrets
    if _secrets is None:
        from aws_lambda_powertools.utilities.parameters import SecretsProvider

        from veriflow.core.aws import client

        _secrets = SecretsProvider(boto3_client=client("secretsmanager"))
    return _secrets


def _url_from_secret(secret_arn: str, settings: Settings) -> str:
    params = _connection_from_secret(secret_arn, settings)
    return URL.create(
        "postgresql+pg8000", username=params["user"], password=params["password"], host=params["host"],
        port=params["port"], database=params["database"],
    ).render_as_string(hide_password=False)


def tls_context(settings: Settings) -> ssl.SSLContext:
    """Verified TLS for the database: certificate chain and host name, against the system's CAs plus
    the shipped RDS bundle (Aurora's RDS roots and the Amazon roots RDS Proxy's certificate uses)."""
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
    context.verify_mode = ssl.CERT_REQUIRED
    context.check_hostname = True
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    bundle = settings.database_ca_bundle or RDS_CA_BUNDLE
    # An explicit DATABASE_CA_BUNDLE must exist; without the shipped one, the system's CAs remain.
    if settings.database_ca_bundle is not None or bundle.is_file():
        context.load_verify_locations(cafile=str(bundle))
    return context


def connect_args(settings: Settings) -> dict[str, Any]:
    """pg8000's arguments: verified TLS outside `local` (or wherever DATABASE_CA_BUNDLE is set)."""
    args: dict[str, Any] = {"timeout": settings.db_timeout_s}
    if not settings.is_local or settings.database_ca_bundle is not None:
        args["ssl_context"] = tls_context(settings)
    return args


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
    _connect_through(engine, settings.database_secret_arn if from_secret else None, settings)
    return engine


class DatabaseUnavailable(ServiceUnavailable):
    """The database did not answer in time: Aurora resuming from a pause (~15 s), or a failover."""


def _connect_through(engine: Engine, secret_arn: str | None, settings: Settings) -> None:
    """How the engine connects. An unreachable database is a 503 with Retry-After, not a Lambda
    timeout. With a secret, a login refused for its credentials re-reads the secret past the cache
    and tries once more: the engine and its pool stay (connections already open remain valid, as
    PostgreSQL checks passwords when a session starts), and later connections use the new ones."""
    rotated: dict[str, Any] = {}

    def attempt(dialect: Dialect, cargs: list[Any], cparams: dict[str, Any]) -> Any:
        try:
            return dialect.connect(*cargs, **cparams)
        except (OSError, dialect.loaded_dbapi.InterfaceError) as exc:
            # pg8000 raises a socket's timeout as is, and a refused connect wrapped in InterfaceError.
            if not isinstance(exc, OSError) and not isinstance(exc.__cause__, OSError):
                raise
            raise DatabaseUnavailable(
                "The database is starting up; retry shortly.", headers={"Retry-After": "15"}
            ) from exc

    @event.listens_for(engine, "do_connect")
    def connect(dialect: Dialect, _record: Any, cargs: list[Any], cparams: dict[str, Any]) -> Any:
        cparams.update(rotated)
        try:
            return attempt(dialect, cargs, cparams)
        except Exception as exc:
            if secret_arn is None or not is_authentication_failure(exc):
                raise
        from veriflow.core.observability import logger

        logger.info("database refused the credentials: re-reading the secret")
        rotated.update(_connection_from_secret(secret_arn, settings, force_fetch=True))
        cparams.update(rotated)
        return attempt(dialect, cargs, cparams)


def is_authentication_failure(exc: BaseException) -> bool:
    """pg8000's error for a wrong password (28P01) or a refused authorization (28000)."""
    details = exc.args[0] if exc.args else None
    return isinstance(details, dict) and details.get("C") in AUTHENTICATION_FAILURES


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
_secrets: Any = None


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


@contextmanager
def session_scope() -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    get_engine()
    assert _sessions is not None
    with _sessions() as session, session.begin():
        yield session


def insert_ignoring_duplicates(
    session: Session, model: type[Base], values: dict[str, Any], unique: list[str]
) -> Insert:
    """INSERT ... ON CONFLICT (`unique`) DO NOTHING in the session's dialect: a racing transaction's
    row wins without aborting ours. Add `.returning(...)` to learn whether this one inserted."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement: Insert = insert(model).values(**values).on_conflict_do_nothing(index_elements=unique)
    return statement


def get_session() -> Iterator[Session]:
    """FastAPI dependency: one session per request, committed when the route returns."""
    with session_scope() as session:
        yield session


def reset_engine() -> None:
    """Dispose the engine (tests switching databases)."""
    global _engine, _sessions, _secrets
    with _lock:
        if _engine is not None:
            _engine.dispose()
        _engine, _sessions, _secrets = None, None, None

