"""What the benchmarks share: a clean environment, and a fresh database of each kind.

Not a benchmark itself (`make bench` runs it too; it prints nothing)."""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for tests.conftest's PostgreSQL cluster

os.environ.update({
    "STAGE": "local", "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "us-east-1",
    "POWERTOOLS_LOG_LEVEL": "ERROR", "POWERTOOLS_TRACE_DISABLED": "true", "POWERTOOLS_SERVICE_NAME": "veriflow",
    "POWERTOOLS_METRICS_NAMESPACE": "Veriflow",
})


def reset() -> None:
    from veriflow.core.aws import reset_clients
    from veriflow.core.db import reset_engine
    from veriflow.core.settings import get_settings

    get_settings.cache_clear()
    reset_clients()
    reset_engine()


@contextmanager
def database(kind: str) -> Iterator[str | None]:
    """Points the process at a fresh, migrated database of `kind`; yields None when it is not available.
    PostgreSQL is a throwaway cluster like the tests' (fsync off: this measures our queries, not the disk)."""
    os.environ.pop("DATABASE_URL", None)
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as directory:
            os.environ["SQLITE_PATH"] = str(Path(directory) / "bench.sqlite3")
            yield _migrated("sqlite")
        return
    from tests.conftest import Cluster, find_postgres_bindir

    bindir = find_postgres_bindir()
    if bindir is None:
        yield None
        return
    cluster = Cluster(bindir)
    try:
        cluster.start()
        cluster.create_database("bench")
        os.environ["DATABASE_URL"] = cluster.url("bench")
        yield _migrated("postgresql")
    finally:
        os.environ.pop("DATABASE_URL", None)
        cluster.stop()


def _migrated(name: str) -> str:
    reset()
    from veriflow.core.db import database_url, normalise_url
    from veriflow.core.migrations import upgrade
    from veriflow.core.settings import get_settings

    upgrade(normalise_url(database_url(get_settings())))
    return name


def p50_ms(fn: Callable[[], Any], runs: int) -> float:
    """The median wall time of `fn` over `runs` calls after one untimed call, in milliseconds."""
    fn()
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings) * 1000


def organization(now: Any) -> Any:
    """A new admin-verified organization to issue the benchmark's certificates; its id."""
    import uuid

    from veriflow.core.db import session_scope
    from veriflow.identity.org_models import Organization

    with session_scope() as session:
        org = Organization(name="Bench Academy", slug=f"bench-{uuid.uuid4().hex[:8]}", verified_at=now)
        session.add(org)
        session.flush()
        return org.id
