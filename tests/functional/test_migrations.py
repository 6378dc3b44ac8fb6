"""Migrations and models describe the same schema, and migrate both ways."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine

from veriflow.core.db import Base
from veriflow.core.migrations import alembic_config, current_revision, head_revision, include_object, upgrade
from veriflow.models import import_all_models


def schema_drift(url: str) -> list[object]:
    """What autogenerate would still write after migrating `url` to head."""
    import_all_models()
    engine = create_engine(url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "include_object": include_object})
        diff: list[object] = compare_metadata(context, Base.metadata)
    engine.dispose()
    return diff


def test_migrations_build_exactly_the_models(migrated_db: str) -> None:
    # GIVEN a database migrated to head  THEN no table, column, index or constraint differs
    assert current_revision(migrated_db) == head_revision()
    assert schema_drift(migrated_db) == []


def test_every_revision_downgrades_and_upgrades_again(migrated_db: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(migrated_db), "base")
    assert current_revision(migrated_db) is None
    upgrade(migrated_db)
    assert current_revision(migrated_db) == head_revision()
