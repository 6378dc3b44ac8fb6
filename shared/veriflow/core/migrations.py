"""Alembic, driven from code: `veriflow migrate` and the readiness check use it."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.config import Config

SCRIPT_LOCATION = Path(__file__).resolve().parent.parent / "migrations"
# Indexes a migration creates by hand on one dialect (an expression SQLAlchemy's models cannot state
# for both): autogenerate leaves them alone instead of proposing to drop them.
HAND_MADE_INDEXES = frozenset({"ix_certificates_search"})


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Alembic's include_object hook: everything but the hand-made indexes."""
    return not (type_ == "index" and name in HAND_MADE_INDEXES)


def alembic_config(url: str | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    # Passed as an attribute, not an option: ConfigParser would choke on `%` in passwords.
    config.attributes["url"] = url
    return config


@cache
def head_revision() -> str | None:
    """The newest revision shipped with this code."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def upgrade(url: str | None = None, revision: str = "head") -> None:
    """Brings the database at `url` (default: the configured one) to `revision`."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def current_revision(url: str | None = None) -> str | None:
    from alembic.runtime.migration import MigrationContext

    from veriflow.core.db import get_engine, make_engine
    from veriflow.core.settings import get_settings

    # make_engine, not a bare create_engine: the same verified TLS as every other connection.
    engine = make_engine(url, get_settings()) if url else get_engine()
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        if url:
            engine.dispose()
