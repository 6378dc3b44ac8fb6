"""Integration fixtures: a real PostgreSQL for the session.

`postgres_url` is DATABASE_URL when that names a PostgreSQL server; otherwise the run starts its
own throwaway PostgreSQL cluster (initdb into a temp dir, loopback only, fsync off) and removes it
at the end. Without PostgreSQL binaries the tests skip locally, and fail under CI=true: in CI the
PostgreSQL tests must run.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

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
