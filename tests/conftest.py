"""Fixtures every test layer shares: a clean environment, fresh caches, a throwaway SQLite database,
and a real PostgreSQL (DATABASE_URL, or a throwaway cluster this run starts; without binaries the
PostgreSQL tests skip locally and fail under CI=true, where they must run)."""

from __future__ import annotations

import contextlib
import functools
import glob
import importlib.util
import json
import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from veriflow.core.aws import reset_clients
from veriflow.core.db import reset_engine
from veriflow.core.migrations import head_revision
from veriflow.core.settings import get_settings
from veriflow.local.runtime import LambdaContext

ROOT = Path(__file__).resolve().parent.parent

BASE_ENV = {
    "STAGE": "local",
    "POWERTOOLS_SERVICE_NAME": "veriflow",
    "POWERTOOLS_METRICS_NAMESPACE": "Veriflow",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}


# Powertools reads its variables when a module creates its Logger: set them before any test module
# imports veriflow, as Lambda does before it imports a handler.
for _name, _value in BASE_ENV.items():
    os.environ.setdefault(_name, _value)


def reset_caches() -> None:
    from veriflow.notifications import render
    from veriflow.notifications.settings import get_notification_settings

    get_settings.cache_clear()
    get_notification_settings.cache_clear()
    render.reset_render_cache()
    reset_clients()
    reset_engine()


# argon2id at its smallest (8 KiB, one pass): a hash costs microseconds instead of ~50 ms, and
# the suite hashes and verifies thousands of passwords. Tests about hashing itself are marked
# `real_argon2` and run with the configured (OWASP) parameters.
CHEAP_ARGON2 = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}


@pytest.fixture(autouse=True)
def cheap_password_hashing(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if request.node.get_closest_marker("real_argon2"):
        return
    from argon2 import PasswordHasher, Type

    from veriflow.identity import passwords

    @functools.lru_cache(maxsize=1)
    def cheap_hasher() -> PasswordHasher:
        return PasswordHasher(**CHEAP_ARGON2, hash_len=32, salt_len=16, type=Type.ID)

    monkeypatch.setattr(passwords, "_hasher", cheap_hasher)
    passwords.reset_password_caches()


@pytest.fixture(autouse=True)
def steady_rate_limit_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rate limits count in fixed windows: a test's requests all fall in one, whenever it runs
    (tests about windows passing give `hit` its `now`)."""
    from veriflow.core import ratelimit

    monkeypatch.setattr(ratelimit, "clock", lambda: 1_800_000_030.0)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Every test starts from the local defaults, with its own SQLite file and no real AWS."""
    for name in ("DATABASE_URL", "DATABASE_SECRET_ARN", "DATABASE_HOST", "DATABASE_CA_BUNDLE", "AWS_ENDPOINT_URL",
                 "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in BASE_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("SQLITE_PATH", str(tmp_path / "veriflow.sqlite3"))
    reset_caches()
    yield
    reset_caches()


class _NoDns:
    """The name server of every test that installs none: tests never reach real DNS."""

    def txt(self, name: str) -> list[str]:
        from veriflow.identity.dns_txt import DnsUnavailable

        raise DnsUnavailable(f"{name}: tests never reach real DNS; install a fake resolver")


@pytest.fixture(autouse=True)
def no_real_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    from veriflow.identity import issuer

    monkeypatch.setattr(issuer, "resolver_factory", _NoDns)


@pytest.fixture
def migrated_db() -> str:
    """The test's SQLite database, at the newest revision."""
    from veriflow.core.db import database_url
    from veriflow.core.migrations import upgrade

    url = database_url(get_settings())
    upgrade(url)
    assert head_revision() is not None
    return url


_loaded: dict[Path, ModuleType] = {}


def load_function(name: str) -> ModuleType:
    """The module of `functions/<name>/app.py`, loaded by path: every function's module is `app`."""
    path = ROOT / "functions" / name / "app.py"
    if path not in _loaded:
        spec = importlib.util.spec_from_file_location(f"veriflow_function_{name}", path)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _loaded[path] = module
    return _loaded[path]


def sample_event(function: str, name: str) -> dict[str, Any]:
    """A sample event from `events/<function>/<name>.json` (the ones `sam local invoke` uses)."""
    return json.loads((ROOT / "events" / function / f"{name}.json").read_text())  # type: ignore[no-any-return]


@pytest.fixture
def lambda_context() -> LambdaContext:
    """The context Lambda passes to handlers, as the local cloud builds it."""
    arn = "arn:aws:lambda:us-east-1:123456789012:function:veriflow-test"
    return LambdaContext("veriflow-test", arn, memory_mb=512, timeout_s=10)


@pytest.fixture
def invoke_http(lambda_context: LambdaContext) -> Callable[..., dict[str, Any]]:
    """Calls an HTTP function's real handler with a payload v2 event built from the health sample."""

    def invoke(
        handler: Callable[[dict[str, Any], Any], dict[str, Any]],
        method: str,
        path: str,
        body: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        event = sample_event("health", "live")
        event["routeKey"] = event["requestContext"]["routeKey"] = f"{method} {path}"
        event["rawPath"] = event["requestContext"]["http"]["path"] = path
        event["requestContext"]["http"]["method"] = method
        event["headers"].update(headers or {})
        if body is not None:
            event["body"] = body
            event["headers"].setdefault("content-type", "application/json")
        from veriflow.local.runtime import handler_event_loop

        # Lambda's main thread has an event loop for Mangum; an earlier test's asyncio.run (web3's
        # providers among them) may have left this thread without one.
        with handler_event_loop():
            response = handler(event, lambda_context)
        if response.get("body") and response.get("headers", {}).get("content-type") == "application/json":
            response["json"] = json.loads(response["body"])
        return response

    return invoke


@pytest.fixture(name="load_function")
def load_function_fixture() -> Callable[[str], ModuleType]:
    return load_function


@pytest.fixture(name="sample_event")
def sample_event_fixture() -> Callable[[str, str], dict[str, Any]]:
    return sample_event


# --- PostgreSQL -------------------------------------------------------------------------------

PREFERRED_MAJOR = 15  # what Debian 12 ships and what RDS runs for us
PG_SCHEMES = ("postgresql://", "postgres://", "postgresql+pg8000://")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # A test that asks for PostgreSQL is a postgres test, marked or not (`-m "not postgres"`).
    for item in items:
        if {"postgres_url", "postgres_sqlalchemy_url"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.postgres)


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason}; CI must run the PostgreSQL tests (install postgresql-15)", pytrace=False)
    pytest.skip(reason)


def _bindir_version(bindir: Path) -> int | None:
    try:
        out = subprocess.run(
            [str(bindir / "postgres"), "--version"], capture_output=True, text=True, check=True, timeout=10
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"\b(\d+)(?:\.\d+)?", out)
    return int(match.group(1)) if match else None


def find_postgres_bindir() -> Path | None:
    """A directory with initdb, pg_ctl and postgres; PostgreSQL 15 preferred, else the newest."""
    candidates: list[Path] = []
    if pg_config := shutil.which("pg_config"):
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, timeout=10)
            candidates.append(Path(out.stdout.strip()))
    candidates += [Path(p) for p in glob.glob("/usr/lib/postgresql/*/bin")]
    if initdb := shutil.which("initdb"):
        candidates.append(Path(initdb).resolve().parent)

    usable = {}
    for bindir in candidates:
        if all((bindir / tool).is_file() for tool in ("initdb", "pg_ctl", "postgres")):
            version = _bindir_version(bindir)
            if version is not None:
                usable.setdefault(bindir.resolve(), version)
    if not usable:
        return None
    return max(usable, key=lambda path: (usable[path] == PREFERRED_MAJOR, usable[path]))


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _server_user() -> str | None:
    """PostgreSQL refuses to run as root: as root, run it as `postgres` (or `nobody`)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    pytest.fail("running as root, and neither a `postgres` nor a `nobody` user exists to run PostgreSQL")
    return None  # unreachable: pytest.fail raises


class Cluster:
    """A throwaway PostgreSQL cluster in a temporary directory."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.user = _server_user()
        # The server user must reach the directory: the default temp dir may be root's own.
        base = tempfile.gettempdir()
        if self.user and not os.stat(base).st_mode & 0o001:
            base = "/tmp"  # world-traversable; the directory made inside it is private
        self.dir = Path(tempfile.mkdtemp(prefix="veriflow-pg-", dir=base))
        self.data = self.dir / "data"
        self.password = secrets.token_hex(12)
        self.port = 0

    def _run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        result = subprocess.run(command, cwd=self.dir, capture_output=True, text=True, timeout=timeout, check=False)
        if result.returncode != 0:
            log = self.dir / "server.log"
            server_log = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(
                f"{' '.join(args[:2])} failed ({result.returncode}):\n{result.stdout}{result.stderr}\n{server_log}"
            )
        return result

    def start(self) -> None:
        if self.user:
            shutil.chown(self.dir, self.user)
        (self.dir / "pwfile").write_text(self.password + "\n")
        if self.user:
            shutil.chown(self.dir / "pwfile", self.user)
        self._run(
            "initdb", "-D", str(self.data), "-U", "veriflow", f"--pwfile={self.dir / 'pwfile'}",
            "--auth-host=scram-sha-256", "--auth-local=trust", "-E", "UTF8", "--locale=C",
            "--no-sync", "--no-instructions",
        )  # fmt: skip
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"\n# veriflow test cluster: loopback only, no durability\nlisten_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.dir}'\nfsync = off\nsynchronous_commit = off\n"
                "full_page_writes = off\nmax_connections = 50\n"
            )
        for attempt in range(3):  # the port may be taken between choosing and binding it
            self.port = _free_port()
            try:
                self._run(
                    "pg_ctl", "-D", str(self.data), "-l", str(self.dir / "server.log"),
                    "-o", f"-p {self.port}", "-w", "-t", "30", "start",
                )  # fmt: skip
                return
            except RuntimeError:
                if attempt == 2:
                    raise

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            if (self.data / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", timeout=30)
        shutil.rmtree(self.dir, ignore_errors=True)

    def create_database(self, name: str) -> None:
        import pg8000.native

        connection = pg8000.native.Connection(
            "veriflow", host="127.0.0.1", port=self.port, password=self.password, database="postgres"
        )
        try:
            connection.run(f'CREATE DATABASE "{name}"')
        finally:
            connection.close()

    def url(self, database: str) -> str:
        return f"postgresql://veriflow:{self.password}@127.0.0.1:{self.port}/{database}"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """`postgresql://user:pass@127.0.0.1:PORT/db` of a real PostgreSQL for this session."""
    given = os.environ.get("DATABASE_URL", "")
    if given.startswith(PG_SCHEMES):
        yield "postgresql://" + given.split("://", 1)[1]
        return

    bindir = find_postgres_bindir()
    if bindir is None:
        _unavailable("PostgreSQL server binaries not found (pg_config --bindir, /usr/lib/postgresql/*/bin)")
        return
    cluster = Cluster(bindir)
    try:
        cluster.start()
        cluster.create_database("veriflow_test")
    except BaseException:
        cluster.stop()
        raise
    try:
        yield cluster.url("veriflow_test")
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def postgres_sqlalchemy_url(postgres_url: str) -> str:
    """The same database as `postgres_url`, spelled for SQLAlchemy with the pg8000 driver."""
    return "postgresql+pg8000://" + postgres_url.split("://", 1)[1]


def _admin_execute(postgres_url: str, statement: str) -> None:
    """One statement on the cluster's maintenance connection (CREATE and DROP DATABASE)."""
    from sqlalchemy import create_engine, text

    from veriflow.core.db import normalise_url

    admin = create_engine(normalise_url(postgres_url), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(statement))
    finally:
        admin.dispose()


def _database_url(postgres_url: str, name: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(postgres_url).set(database=name).render_as_string(hide_password=False)


def _create_database(postgres_url: str, monkeypatch: pytest.MonkeyPatch, template: str | None = None) -> str:
    name = f"t_{secrets.token_hex(6)}"
    _admin_execute(postgres_url, f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    monkeypatch.setenv("DATABASE_URL", _database_url(postgres_url, name))
    # Tests race threads as if they were several Lambda containers: a connection each.
    monkeypatch.setenv("DB_POOL_SIZE", "5")
    reset_caches()
    return name


def _drop_database(postgres_url: str, name: str) -> None:
    reset_engine()
    _admin_execute(postgres_url, f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture
def postgres_database(postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh, empty database on the test cluster, set as DATABASE_URL (plain postgresql://)."""
    name = _create_database(postgres_url, monkeypatch)
    yield os.environ["DATABASE_URL"]
    _drop_database(postgres_url, name)


@functools.cache
def _migrated_postgres_template(postgres_url: str) -> str:
    """A database at the head migration, made once per worker; test databases are its copies
    (CREATE DATABASE ... TEMPLATE copies files: far quicker than migrating each one)."""
    from veriflow.core.db import normalise_url
    from veriflow.core.migrations import upgrade

    name = f"head_{secrets.token_hex(6)}"
    _admin_execute(postgres_url, f'CREATE DATABASE "{name}"')
    upgrade(normalise_url(_database_url(postgres_url, name)))
    return name


@functools.cache
def _migrated_sqlite_template() -> Path:
    """A SQLite file at the head migration, made once per worker; each test gets a copy."""
    from veriflow.core.migrations import upgrade

    path = Path(tempfile.mkdtemp(prefix="veriflow-head-")) / "veriflow.sqlite3"
    upgrade(f"sqlite+pysqlite:///{path}")
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_database(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The test's database, at the head migration: SQLite, then (a second run) PostgreSQL."""
    from veriflow.core.db import database_url, normalise_url

    name = None
    if request.param == "postgres":
        postgres_url: str = request.getfixturevalue("postgres_url")
        name = _create_database(postgres_url, monkeypatch, template=_migrated_postgres_template(postgres_url))
    else:
        shutil.copyfile(_migrated_sqlite_template(), os.environ["SQLITE_PATH"])
    yield normalise_url(database_url(get_settings()))
    if name is not None:
        _drop_database(postgres_url, name)


def reset_identity_caches() -> None:
    from veriflow.access.limits import get_limit_settings
    from veriflow.identity import keys, passwords
    from veriflow.identity.flow_settings import get_flow_settings
    from veriflow.identity.settings import get_auth_settings

    for cached in (get_auth_settings, get_flow_settings, get_limit_settings):
        cached.cache_clear()
    keys.reset_key_cache()
    passwords.reset_password_caches()


@functools.cache
def real_template() -> Any:
    """template.yaml translated once per worker (the translation is the slow part of a stack)."""
    from veriflow.local.dev import DEV_PARAMETERS
    from veriflow.local.template import load_template

    return load_template(ROOT / "template.yaml", "us-east-1", DEV_PARAMETERS)


@dataclass
class TemplateResources:
    """The template's secrets, tables and queues in moto, and each function's IAM principal."""

    stack: Any
    principals: dict[str, Any]

    def env(self, variable: str) -> str:
        """A variable as the template hands it to every function (Globals)."""
        globals_env = self.stack.template.sam["Globals"]["Function"]["Environment"]["Variables"]
        return str(self.stack.resolve(globals_env[variable]))


@pytest.fixture
def template_resources() -> Iterator[TemplateResources]:
    """moto (in-process) holding the template's secrets, tables and queues, built from template.yaml
    so that names and ARNs are the ones its functions' policies grant."""
    from moto import mock_aws

    from veriflow.local import iam, provision
    from veriflow.local.clients import Clients
    from veriflow.local.dev import DEV_PARAMETERS
    from veriflow.local.stack import Stack

    with mock_aws():
        iam.install()
        stack = Stack(real_template(), parameters=DEV_PARAMETERS)
        aws = Clients(stack.region)
        for create in (provision.create_secrets, provision.create_tables, provision.create_queues):
            create(stack, aws)
        yield TemplateResources(stack, iam.function_principals(stack))


@pytest.fixture
def identity_resources(monkeypatch: pytest.MonkeyPatch, template_resources: TemplateResources) -> Iterator[str]:
    """moto holding what the template wires to the identity functions: the signing-key secret,
    the notifications queue and the rate-limit table. Yields the queue URL."""
    for variable in ("VERIFICATION_KEYS_SECRET_ARN", "NOTIFICATIONS_QUEUE_URL", "WEBHOOKS_QUEUE_URL",
                     "RATE_LIMIT_TABLE"):
        monkeypatch.setenv(variable, template_resources.env(variable))
    # What the signers (auth, maintenance) are given; tests sign tokens with it as the operator.
    monkeypatch.setenv("SIGNING_KEYS_SECRET_ARN", template_resources.stack.physical("SigningKeysSecret").arn)
    reset_identity_caches()
    try:
        yield template_resources.env("NOTIFICATIONS_QUEUE_URL")
    finally:
        reset_identity_caches()
