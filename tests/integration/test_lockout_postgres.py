"""Lockout counting on PostgreSQL under concurrency: wrong passwords racing each other all count."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from veriflow.audit.models import AuditEvent
from veriflow.auth import service
from veriflow.core.db import normalise_url, session_scope
from veriflow.core.errors import Locked, Unauthorized
from veriflow.core.migrations import upgrade
from veriflow.identity.passwords import hash_password
from veriflow.identity.user_models import User

pytestmark = pytest.mark.postgres


@pytest.mark.parametrize("registered", [False, True], ids=["unknown", "registered"])
def test_concurrent_wrong_passwords_all_count_and_lock_once(postgres_database: str, registered: bool) -> None:
    # GIVEN an address (with or without an account) and five connections, as five Lambda containers
    upgrade(normalise_url(postgres_database))
    email = "ada@example.com"
    if registered:
        with session_scope() as db:
            db.add(User(email=email, password_hash=hash_password("correct horse battery staple"), display_name=""))
    barrier = threading.Barrier(5)
    answers: list[type[Exception]] = []

    def guess() -> None:
        barrier.wait()
        try:
            service.login(email, "wrong password here!")
        except (Unauthorized, Locked) as exc:
            answers.append(type(exc))

    # WHEN five wrong passwords arrive at the same moment
    threads = [threading.Thread(target=guess) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # THEN each was a 401, none was lost: the fifth locked the address, once
    assert answers == [Unauthorized] * 5
    with session_scope() as db:
        failures = sorted(e.details["failures"] for e in db.scalars(
            select(AuditEvent).where(AuditEvent.action == "auth.login.failed")))
        lockouts = db.scalars(select(AuditEvent).where(AuditEvent.action == "auth.lockout")).all()
    assert failures == [1, 2, 3, 4, 5]
    assert len(lockouts) == 1
    # AND the right password is refused while it lasts
    with pytest.raises(Locked):
        service.login(email, "correct horse battery staple")
