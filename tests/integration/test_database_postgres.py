"""The data layer and the health group on a real PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from types import ModuleType
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, select, text

from veriflow.core.db import UTCDateTime, get_engine, normalise_url, session_scope
from veriflow.core.migrations import current_revision, head_revision, upgrade

pytestmark = pytest.mark.postgres


@pytest.fixture
def database(postgres_database: str) -> str:
    return postgres_database


def test_plain_postgres_url_runs_on_pg8000(database: str) -> None:
    assert get_engine().dialect.driver == "pg8000"
    with session_scope() as session:
        assert "PostgreSQL" in session.execute(text("select version()")).scalar_one()


def test_migrations_reach_head_on_postgres(database: str) -> None:
    # GIVEN an empty database  WHEN migrated (twice: migrating is idempotent)
    upgrade(normalise_url(database))
    upgrade(normalise_url(database))
    # THEN it is at the newest revision
    assert current_revision(normalise_url(database)) == head_revision()


def test_timestamps_keep_the_instant_on_postgres(database: str) -> None:
    # GIVEN a table with the application's timestamp type, outside the application's metadata
    table = Table("stamps", MetaData(), Column("id", Integer, primary_key=True), Column("at", UTCDateTime()))
    table.metadata.create_all(get_engine())
    instant = datetime(2026, 11, 22, 12, 0, tzinfo=timezone(timedelta(hours=-5)))
    # WHEN a time in UTC-5 is written and read back
    with session_scope() as session:
        session.execute(table.insert().values(id=1, at=instant))
    with session_scope() as session:
        stored = session.execute(select(table.c.at)).scalar_one()
    # THEN it is the same instant, in UTC
    assert stored == instant
    assert stored.utcoffset() == timedelta(0)
    assert stored.astimezone(UTC).hour == 17


def test_ready_through_the_handler_on_postgres(
    database: str,
    load_function: Callable[[str], ModuleType],
    invoke_http: Callable[..., dict[str, Any]],
) -> None:
    handler = load_function("health").handler
    # GIVEN a database that is not migrated yet  THEN not ready
    assert invoke_http(handler, "GET", "/health/ready")["statusCode"] == 503
    # GIVEN it is migrated  THEN ready, with the database check timed
    upgrade(normalise_url(database))
    response = invoke_http(handler, "GET", "/health/ready")
    assert response["statusCode"] == 200, response["json"]
    assert response["json"]["checks"]["database"]["status"] == "ok"


def test_migrations_build_exactly_the_models_on_postgres(database: str) -> None:
    # GIVEN PostgreSQL migrated to head  THEN its schema is the models' (JSONB, UUID, timestamptz)
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from veriflow.core.db import Base
    from veriflow.core.migrations import include_object
    from veriflow.models import import_all_models

    upgrade(normalise_url(database))
    import_all_models()
    with get_engine().connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "include_object": include_object})
        assert compare_metadata(context, Base.metadata) == []
