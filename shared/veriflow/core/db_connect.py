"""How deployed functions reach PostgreSQL: the RDS-format secret, verified TLS, password rotation,
and a database that does not answer (Aurora resuming from a pause)."""

from __future__ import annotations

import json
import ssl
from contextlib import suppress
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.engine import URL, Dialect

from veriflow.core.errors import ServiceUnavailable
from veriflow.core.settings import Settings, SettingsError

# Aurora's RDS root certificates and the Amazon roots of RDS Proxy's (see the file's header).
RDS_CA_BUNDLE = Path(__file__).with_name("data") / "rds-ca-bundle.pem"
# SQLSTATEs of a refused login: invalid_password, invalid_authorization_specification.
AUTHENTICATION_FAILURES = frozenset({"28P01", "28000"})

_secrets: Any = None


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


def url_from_secret(secret_arn: str, settings: Settings) -> str:
    """The SQLAlchemy URL of the database the RDS-format secret describes."""
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


class DatabaseUnavailable(ServiceUnavailable):
    """The database did not answer in time: Aurora resuming from a pause (~15 s), or a failover."""


def connect_through(engine: Engine, secret_arn: str | None, settings: Settings) -> None:
    """How the engine connects. An unreachable database is a 503 with Retry-After, not a Lambda
    timeout. With a secret, a login refused for its credentials re-reads the secret past the cache
    and tries once more: the engine and its pool stay (connections already open remain valid, as
    PostgreSQL checks passwords when a session starts), and later connections use the new ones."""
    rotated: dict[str, Any] = {}
    engine.dialect.do_close = _close_quietly  # type: ignore[method-assign]

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


def _close_quietly(dbapi_connection: Any) -> None:
    """Close a pg8000 connection whose server may already be gone (a failover, an ended session).
    pg8000 says goodbye with a Terminate message; when that send fails it drops its buffered stream
    with the message still in it, and Python reports an ignored OSError whenever the stream is
    collected. Holding the stream and closing it after pg8000 is done ends it here, silently."""
    stream = getattr(dbapi_connection, "_sock", None)
    try:
        dbapi_connection.close()
    finally:
        if stream is not None:
            with suppress(OSError, ValueError):
                stream.close()


def is_authentication_failure(exc: BaseException) -> bool:
    """pg8000's error for a wrong password (28P01) or a refused authorization (28000)."""
    details = exc.args[0] if exc.args else None
    return isinstance(details, dict) and details.get("C") in AUTHENTICATION_FAILURES


def reset_secrets() -> None:
    """Forget the cached secret provider (tests switching clouds; the engine's reset calls it)."""
    global _secrets
    _secrets = None
