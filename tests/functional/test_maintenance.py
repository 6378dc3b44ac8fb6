"""Daily maintenance, fired by its schedule in the local cloud."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from sqlalchemy import func, select

from veriflow.core.db import session_scope
from veriflow.core.lambda_versions import stale_versions
from veriflow.core.types import utcnow
from veriflow.identity import keys
from veriflow.identity.auth_models import LoginFailures, OneTimeToken, RefreshToken, Session
from veriflow.identity.settings import get_auth_settings
from veriflow.identity.user_models import User
from veriflow.local import MOTO_CONFIG, LocalCloud
from veriflow.local.dev import DEV_PARAMETERS

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def cloud(migrated_db: str) -> Iterator[LocalCloud]:
    get_auth_settings.cache_clear()
    keys.reset_key_cache()
    with mock_aws(config=MOTO_CONFIG):  # type: ignore[arg-type]
        local = LocalCloud(ROOT / "template.yaml", parameters=DEV_PARAMETERS).deploy()
        try:
            yield local
        finally:
            local.close()
            get_auth_settings.cache_clear()
            keys.reset_key_cache()


def _results(cloud: LocalCloud) -> list[object]:
    firing = cloud.fire_schedule("MaintenanceFunction")
    return list(firing.results)


def test_expired_credentials_are_purged_and_live_ones_kept(cloud: LocalCloud) -> None:
    # GIVEN a user with a session that expired long ago and one still live
    now = utcnow()
    with session_scope() as db:
        user = User(email="ada@example.com")
        db.add(user)
        db.flush()
        old = Session(user_id=user.id, expires_at=now - timedelta(days=30))
        live = Session(user_id=user.id, expires_at=now + timedelta(days=30))
        db.add_all([old, live])
        db.flush()
        db.add_all([
            RefreshToken(session_id=old.id, token_hash="a" * 64, expires_at=now - timedelta(days=30)),
            RefreshToken(session_id=live.id, token_hash="b" * 64, expires_at=now + timedelta(days=30)),
            OneTimeToken(user_id=user.id, purpose="reset_password", token_hash="c" * 64,
                         expires_at=now - timedelta(days=8)),
            # Failures of an address last tried eight days ago, and of one tried an hour ago
            LoginFailures(email_hash="d" * 64, failures=3, window_started_at=now - timedelta(days=8),
                          updated_at=now - timedelta(days=8)),
            LoginFailures(email_hash="e" * 64, failures=2, window_started_at=now - timedelta(hours=1),
                          updated_at=now - timedelta(hours=1)),
        ])
    # WHEN the daily schedule fires, twice (a redelivered event)
    first, second = _results(cloud), _results(cloud)
    # THEN the dead rows are gone, the live ones stay, and the second run found nothing to do
    assert all(result["ok"] for result in [*first, *second])  # type: ignore[index]
    with session_scope() as db:
        assert db.scalar(select(func.count()).select_from(Session)) == 1
        assert db.scalar(select(func.count()).select_from(RefreshToken)) == 1
        assert db.scalar(select(func.count()).select_from(OneTimeToken)) == 0
        assert list(db.scalars(select(LoginFailures.email_hash))) == ["e" * 64]


def test_the_signing_key_rotates_only_when_due(cloud: LocalCloud, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a fresh signing key
    monkeypatch.setenv("SIGNING_KEYS_SECRET_ARN", cloud.resources["SigningKeysSecret"].arn)
    monkeypatch.setenv("VERIFICATION_KEYS_SECRET_ARN", cloud.resources["VerificationKeysSecret"].arn)
    kid = keys.load_keys().active.kid
    cloud.fire_schedule("MaintenanceFunction")
    keys.reset_key_cache()
    assert keys.load_keys().active.kid == kid
    # WHEN it is older than the maximum age
    lam = boto3.client("lambda", region_name="us-east-1")
    name = cloud.function_name("MaintenanceFunction")
    variables = lam.get_function_configuration(FunctionName=name)["Environment"]["Variables"]
    lam.update_function_configuration(FunctionName=name, Environment={
        "Variables": {**variables, "SIGNING_KEY_MAX_AGE_DAYS": "0"}})
    cloud.fire_schedule("MaintenanceFunction")
    keys.reset_key_cache()
    # THEN a new key signs, and the old one still verifies until it retires
    rotated = keys.load_keys()
    assert rotated.active.kid != kid
    assert rotated.get(kid) is not None


def _publish(lam: Any, name: str, count: int) -> list[str]:
    """`count` versions of `name`, each of new code, as deploys publish them."""
    published = []
    for n in range(count):
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w") as zipped:
            zipped.writestr("app.py", f"# deploy {n}\n")
        lam.update_function_code(FunctionName=name, ZipFile=archive.getvalue())
        published.append(lam.publish_version(FunctionName=name)["Version"])
    return published


def test_old_versions_of_the_api_functions_are_deleted_under_the_functions_role(cloud: LocalCloud) -> None:
    # GIVEN six deploys of the users function, its alias on the fifth (the sixth is being published)
    lam = boto3.client("lambda", region_name="us-east-1")
    users = cloud.function_name("UsersApiFunction")
    assert _publish(lam, users, 6) == ["1", "2", "3", "4", "5", "6"]
    lam.create_alias(FunctionName=users, Name="live", FunctionVersion="5")
    # AND an organizations function with versions but no alias yet (its first deploy under way)
    orgs = cloud.function_name("OrgsApiFunction")
    _publish(lam, orgs, 3)
    # WHEN the daily schedule fires, twice (a redelivered event)
    first, second = _results(cloud), _results(cloud)
    # THEN the users function keeps its alias's version, the newer one and two to roll back to
    assert all(result["ok"] for result in [*first, *second])  # type: ignore[index]
    versions = [v["Version"] for v in lam.list_versions_by_function(FunctionName=users)["Versions"]]
    assert versions == ["$LATEST", "3", "4", "5", "6"]
    assert first[0]["result"]["versions_deleted"][users] == ["1", "2"]  # type: ignore[index]
    assert second[0]["result"]["versions_deleted"][users] == []  # type: ignore[index]
    # AND a function no alias points at keeps every version
    assert len(lam.list_versions_by_function(FunctionName=orgs)["Versions"]) == 4
    # AND a version an alias shifts part of its traffic to is kept too
    lam.update_alias(FunctionName=users, Name="live", FunctionVersion="6",
                     RoutingConfig={"AdditionalVersionWeights": {"3": 0.1}})
    _results(cloud)
    versions = [v["Version"] for v in lam.list_versions_by_function(FunctionName=users)["Versions"]]
    assert versions == ["$LATEST", "3", "4", "5", "6"]


@pytest.mark.parametrize(("versions", "aliased", "stale"), [
    ([1, 2, 3, 4, 5, 6], {5}, [1, 2]),
    ([1, 2, 3], {3}, []),
    ([1, 2, 3, 4, 5], {2, 5}, []),  # two aliases: nothing older than the oldest one's to delete
    ([3, 7, 9, 10], {10}, [3]),
    ([1, 2, 3], set(), []),
])
def test_which_versions_are_stale(versions: list[int], aliased: set[int], stale: list[int]) -> None:
    assert stale_versions(versions, aliased) == stale
