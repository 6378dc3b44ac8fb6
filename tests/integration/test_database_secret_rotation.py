"""Connections through the Secrets Manager secret survive a password rotation, on a real PostgreSQL."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import boto3
import pytest
from moto import mock_aws
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from veriflow.core.aws import reset_clients
from veriflow.core.db import get_engine, normalise_url, reset_engine, session_scope
from veriflow.core.settings import get_settings

pytestmark = pytest.mark.postgres


@dataclass
class RotatingRole:
    name: str
    secret_arn: str
    admin_url: str

    def rotate(self, *, update_secret: bool = True) -> str:
        """A new password in PostgreSQL (and in the secret), and the role's open sessions ended, as
        a proxy or a recycled connection would end them: the next connection must log in again."""
        password = secrets.token_urlsafe(24)
        self._admin(f"ALTER ROLE \"{self.name}\" PASSWORD '{password}'")
        if update_secret:
            manager = boto3.client("secretsmanager")
            current = json.loads(manager.get_secret_value(SecretId=self.secret_arn)["SecretString"])
            manager.put_secret_value(
                SecretId=self.secret_arn, SecretString=json.dumps({**current, "password": password})
            )
        self._admin(f"SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE usename = '{self.name}'")
        return password

    def _admin(self, sql: str) -> None:
        engine = create_engine(normalise_url(self.admin_url), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                connection.execute(text(sql))
        finally:
            engine.dispose()


@pytest.fixture
def rotating_role(postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[RotatingRole]:
    """A login role whose RDS-format secret (in moto) the application connects with."""
    url = make_url(postgres_url)
    name, password = f"app_{secrets.token_hex(4)}", secrets.token_urlsafe(24)
    with mock_aws():
        role = RotatingRole(name, "", postgres_url)
        role._admin(f"CREATE ROLE \"{name}\" LOGIN PASSWORD '{password}'")
        secret = {"username": name, "password": password, "host": url.host, "port": url.port,
                  "dbname": url.database, "engine": "postgres"}
        role.secret_arn = boto3.client("secretsmanager").create_secret(
            Name=f"veriflow/test/{name}", SecretString=json.dumps(secret)
        )["ARN"]
        monkeypatch.setenv("DATABASE_SECRET_ARN", role.secret_arn)
        reset_caches()
        try:
            yield role
        finally:
            reset_caches()
            role._admin(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{name}'")
            role._admin(f'DROP ROLE "{name}"')


def reset_caches() -> None:
    get_settings.cache_clear()
    reset_clients()
    reset_engine()


def _current_user() -> str:
    with session_scope() as session:
        return str(session.execute(text("SELECT current_user")).scalar_one())


def test_the_next_request_after_a_rotation_reads_the_new_password(rotating_role: RotatingRole) -> None:
    # GIVEN a live engine that connected with the secret (its value now cached for five minutes)
    assert _current_user() == rotating_role.name
    engine = get_engine()

    # WHEN the password is rotated and the open connection is gone
    rotating_role.rotate()

    # THEN the next request logs in with the new password, on the same engine
    assert _current_user() == rotating_role.name
    assert get_engine() is engine
    # AND later connections of the pool use the new password at once (no failed login first)
    boto3.client("secretsmanager").delete_secret(SecretId=rotating_role.secret_arn, ForceDeleteWithoutRecovery=True)
    engine.dispose()
    assert _current_user() == rotating_role.name


def test_credentials_the_secret_does_not_fix_fail_after_one_retry(rotating_role: RotatingRole) -> None:
    # GIVEN a live engine
    assert _current_user() == rotating_role.name

    # WHEN the password changes in PostgreSQL but not in the secret
    rotating_role.rotate(update_secret=False)

    # THEN the request fails with PostgreSQL's authentication error (one re-read, no loop)
    with pytest.raises(DBAPIError) as failure:
        _current_user()
    assert "28P01" in str(failure.value)
