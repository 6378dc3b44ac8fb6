"""The database refuses text and JSON holding NUL (U+0000) on write with one clear error, on SQLite
as on PostgreSQL (which cannot store it), whatever path the write takes: ORM, Core, many rows."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, insert, select, update

from veriflow.core.db import session_scope
from veriflow.core.types import NulInText
from veriflow.identity.user_models import User
from veriflow.notifications.models import Notification


def _user(email: str | None = None, **values: object) -> User:
    return User(email=email or f"{uuid.uuid4().hex[:10]}@people.example", **values)


def _count_users() -> int:
    with session_scope() as session:
        return session.scalar(select(func.count()).select_from(User)) or 0


def test_an_orm_insert_with_nul_is_refused_by_column_name(any_database: str) -> None:
    # GIVEN an account whose display name holds NUL
    # WHEN it is written
    with pytest.raises(NulInText, match="display_name") as refused, session_scope() as session:
        session.add(_user(display_name="Ada\x00secret"))
    # THEN the error names the column, never the value, and nothing was stored
    assert "secret" not in str(refused.value)
    assert _count_users() == 0


def test_core_updates_and_many_row_inserts_are_refused(any_database: str) -> None:
    # GIVEN one stored account
    with session_scope() as session:
        session.add(_user("ada@people.example"))
    # WHEN a Core UPDATE sets NUL text, and when several rows go in at once with one bad row
    with pytest.raises(NulInText), session_scope() as session:
        session.execute(update(User).where(User.email == "ada@people.example").values(display_name="a\x00b"))
    with pytest.raises(NulInText), session_scope() as session:
        session.execute(insert(User), [
            {"id": uuid.uuid4(), "email": f"{i}@people.example", "display_name": "x\x00" if i == 2 else "ok"}
            for i in range(4)
        ])
    # AND when the ORM flushes several new accounts in one batched INSERT
    with pytest.raises(NulInText, match="display_name"), session_scope() as session:
        session.add_all([_user(display_name="x\x00" if i == 3 else f"n{i}") for i in range(5)])
    # THEN none of them reached the table
    assert _count_users() == 1
    with session_scope() as session:
        assert session.scalars(select(User.display_name)).one() == ""


def test_json_holding_nul_in_a_value_or_a_key_is_refused(any_database: str) -> None:
    # GIVEN an account
    with session_scope() as session:
        user = _user()
        session.add(user)
        session.flush()
        user_id = user.id

    def notification(data: dict[str, object]) -> Notification:
        return Notification(user_id=user_id, category="system", template="system.broadcast", title="t", body="b",
                            data=data)

    # WHEN notifications carry NUL deep in their JSON data, as a value and as a key
    for data in ({"items": [{"name": "a\x00b"}]}, {"k\x00": 1}):
        with pytest.raises(NulInText, match="data"), session_scope() as session:
            session.add(notification(data))
    # THEN both are refused; the six characters backslash-u-0-0-0-0 are text and are kept
    with session_scope() as session:
        session.add(notification({"text": "back\\u0000slash"}))
        session.add(_user(display_name="back\\u0000slash"))
    with session_scope() as session:
        assert session.scalars(select(Notification.data)).one() == {"text": "back\\u0000slash"}
        assert "back\\u0000slash" in session.scalars(select(User.display_name)).all()
