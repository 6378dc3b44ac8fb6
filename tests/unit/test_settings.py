from __future__ import annotations

import subprocess
import sys

import pytest

from veriflow.core.db import normalise_url
from veriflow.core.settings import SettingsError, get_settings


def test_local_defaults_to_sqlite() -> None:
    # GIVEN no database settings  WHEN settings load
    settings = get_settings()
    # THEN the stage is local and no URL is required
    assert settings.stage == "local"
    assert settings.database_url is None


@pytest.mark.parametrize("stage", ["dev", "staging", "prod"])
def test_sqlite_is_refused_outside_local(monkeypatch: pytest.MonkeyPatch, stage: str) -> None:
    # GIVEN a deployed stage without a database
    monkeypatch.setenv("STAGE", stage)
    # WHEN / THEN settings refuse, naming DATABASE_URL
    with pytest.raises(SettingsError) as raised:
        get_settings()
    assert raised.value.setting == "DATABASE_URL"


def test_explicit_sqlite_url_is_refused_outside_local(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STAGE", "prod")
    monkeypatch.setenv("DATABASE_URL", "sqlite:///x.db")
    with pytest.raises(SettingsError, match="SQLite is refused"):
        get_settings()


@pytest.mark.parametrize("password", ["change-me", "CHANGEME", "password"])
def test_placeholder_password_is_refused_outside_local(monkeypatch: pytest.MonkeyPatch, password: str) -> None:
    monkeypatch.setenv("STAGE", "staging")
    monkeypatch.setenv("DATABASE_URL", f"postgresql://veriflow:{password}@db.internal/veriflow")
    with pytest.raises(SettingsError, match="placeholder"):
        get_settings()


def test_placeholder_password_is_accepted_locally(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://veriflow:change-me@127.0.0.1/veriflow")
    assert get_settings().database_url is not None


def test_deployed_stage_with_real_secret_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STAGE", "prod")
    monkeypatch.setenv("DATABASE_SECRET_ARN", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf")
    assert get_settings().stage == "prod"


@pytest.mark.parametrize(
    ("name", "value"), [("STAGE", "production"), ("DB_POOL_SIZE", "lots"), ("MAX_BODY_BYTES", "10")]
)
def test_invalid_value_names_the_setting(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as raised:
        get_settings()
    assert raised.value.setting == name


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u:p@h:5432/d", "postgresql+pg8000://u:p@h:5432/d"),
        ("postgres://u:p@h/d", "postgresql+pg8000://u:p@h/d"),
        ("postgresql+psycopg2://u:p@h/d", "postgresql+pg8000://u:p@h/d"),
        ("postgresql+pg8000://u:p@h/d", "postgresql+pg8000://u:p@h/d"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_postgres_urls_go_through_pg8000(given: str, expected: str) -> None:
    assert normalise_url(given) == expected


def test_bad_setting_at_start_up_exits_with_one_line(tmp_path: object) -> None:
    # GIVEN a deployed stage with no database configured
    env = {"STAGE": "prod", "PATH": "/usr/bin:/bin"}
    # WHEN the command starts
    done = subprocess.run(
        [sys.executable, "-m", "veriflow.cli", "migrate"], env=env, capture_output=True, text=True, check=False
    )
    # THEN it exits non-zero with one line naming the setting, and no traceback
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "DATABASE_URL" in lines[0]
