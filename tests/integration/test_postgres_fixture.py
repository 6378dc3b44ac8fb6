"""The session's PostgreSQL is a real PostgreSQL 15 that SQLAlchemy reaches through pg8000."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError, ProgrammingError

pytestmark = pytest.mark.postgres


@pytest.fixture
def engine(postgres_sqlalchemy_url: str) -> Iterator[Engine]:
    engine = sa.create_engine(postgres_sqlalchemy_url)
    yield engine
    engine.dispose()


@pytest.fixture
def table(engine: Engine) -> Iterator[str]:
    """A fresh table `(id int primary key, note text)`, dropped afterwards."""
    name = f"fixture_{uuid.uuid4().hex[:12]}"
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE TABLE {name} (id integer PRIMARY KEY, note text NOT NULL)"))
    yield name
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP TABLE {name}"))


def test_url_names_a_loopback_server_with_credentials(postgres_url: str) -> None:
    # GIVEN / WHEN the session's URL / THEN it is a plain postgresql:// URL with user and password
    assert postgres_url.startswith("postgresql://")
    credentials, _, location = postgres_url.removeprefix("postgresql://").partition("@")
    assert ":" in credentials
    assert location.split("/")[1]


def test_server_is_postgresql_15(engine: Engine) -> None:
    # GIVEN the session's database
    # WHEN asking the server for its version through SQLAlchemy and pg8000
    with engine.connect() as conn:
        version = conn.execute(sa.text("select version()")).scalar_one()
        driver = conn.dialect.driver

    # THEN it is PostgreSQL 15 and the driver is pg8000
    assert "PostgreSQL 15" in version
    assert driver == "pg8000"


def test_uncommitted_rows_stay_invisible_to_another_connection(engine: Engine, table: str) -> None:
    # GIVEN two connections, the first inside an open transaction that inserted a row
    with engine.connect() as writer, engine.connect() as reader:
        writer.execute(sa.text(f"INSERT INTO {table} VALUES (1, 'pending')"))

        # WHEN the second connection reads before and after the first commits
        before = reader.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
        reader.commit()
        writer.commit()
        after = reader.execute(sa.text(f"SELECT note FROM {table} WHERE id = 1")).scalar_one()

    # THEN it saw nothing before the commit and the row after it
    assert before == 0
    assert after == "pending"


def test_rolled_back_rows_are_gone(engine: Engine, table: str) -> None:
    # GIVEN a transaction that inserts a row and rolls back
    with engine.connect() as conn:
        conn.execute(sa.text(f"INSERT INTO {table} VALUES (1, 'gone')"))
        conn.rollback()

    # WHEN another connection counts the rows
    with engine.connect() as other:
        count = other.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()

    # THEN there are none
    assert count == 0


def test_row_lock_blocks_a_second_connection(engine: Engine, table: str) -> None:
    # GIVEN a row locked FOR UPDATE by one connection's open transaction
    with engine.begin() as conn:
        conn.execute(sa.text(f"INSERT INTO {table} VALUES (1, 'balance')"))
    with engine.connect() as holder, engine.connect() as contender:
        holder.execute(sa.text(f"SELECT * FROM {table} WHERE id = 1 FOR UPDATE"))

        # WHEN another connection asks for the same lock without waiting
        # THEN PostgreSQL refuses (lock_not_available), which SQLite could never show
        with pytest.raises((OperationalError, ProgrammingError), match="55P03"):
            contender.execute(sa.text(f"SELECT * FROM {table} WHERE id = 1 FOR UPDATE NOWAIT"))
        contender.rollback()

        # AND once the holder commits, the lock is free
        holder.commit()
        locked = contender.execute(sa.text(f"SELECT note FROM {table} WHERE id = 1 FOR UPDATE NOWAIT"))
        assert locked.scalar_one() == "balance"
        contender.commit()
