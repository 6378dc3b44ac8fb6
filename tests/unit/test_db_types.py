from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from veriflow.core.db import Base


class _IsolatedBase(DeclarativeBase):
    # The application's type map, without adding a test table to the application's metadata.
    type_annotation_map = Base.type_annotation_map


class Stamp(_IsolatedBase):
    __tablename__ = "test_stamps"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]


@pytest.fixture
def session() -> Session:
    engine = create_engine("sqlite://")
    Stamp.__table__.create(engine)
    return Session(engine)


def test_timestamps_come_back_aware_in_utc(session: Session) -> None:
    # GIVEN a time in UTC+2
    local = datetime(2026, 11, 22, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    session.add(Stamp(id=1, at=local))
    session.commit()
    session.expunge_all()
    # WHEN it is read back from SQLite (which drops offsets)
    stored = session.scalars(select(Stamp.at)).one()
    # THEN it is the same instant, aware, in UTC
    assert stored == local
    assert stored.tzinfo is UTC
    assert stored.hour == 10


def test_naive_timestamps_are_refused(session: Session) -> None:
    session.add(Stamp(id=1, at=datetime(2026, 11, 22, 12, 0)))
    with pytest.raises(StatementError, match="naive"):
        session.commit()
