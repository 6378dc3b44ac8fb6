"""Alembic environment: the URL comes from the caller or from Veriflow's settings."""

from __future__ import annotations

from alembic import context

from veriflow.core.db import Base, database_url, normalise_url
from veriflow.core.migrations import include_object
from veriflow.core.settings import get_settings
from veriflow.models import import_all_models

import_all_models()
config = context.config
url = config.attributes.get("url") or database_url(get_settings())
url = normalise_url(url)


def run_offline() -> None:
    context.configure(url=url, target_metadata=Base.metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    from veriflow.core.db import make_engine

    engine = make_engine(url, get_settings())
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            include_object=include_object,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
