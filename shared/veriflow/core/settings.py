"""Settings read from the environment once, on first use, and validated then."""

from __future__ import annotations

import re
import sys
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Stage = Literal["local", "dev", "staging", "prod"]

# Values people paste into examples; a deployed stage must never run with one of them.
PLACEHOLDER_SECRETS = frozenset({"", "change-me", "changeme", "placeholder", "secret", "password", "xxx", "todo"})

DEFAULT_SQLITE_PATH = Path(".local/veriflow.sqlite3")


class SettingsError(RuntimeError):
    """A setting is missing or invalid; `setting` names the environment variable."""

    def __init__(self, setting: str, problem: str) -> None:
        super().__init__(f"invalid setting {setting}: {problem}")
        self.setting = setting
        self.problem = problem


class Settings(BaseSettings):
    """Process-wide configuration. Environment variable names are the field names in upper case."""

    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore", frozen=True)

    stage: Stage = "local"
    database_url: SecretStr | None = None
    database_secret_arn: str | None = None
    database_host: str | None = None
    database_ca_bundle: Path | None = None
    sqlite_path: Path = DEFAULT_SQLITE_PATH
    db_pool_size: int = Field(default=1, ge=0, le=20)
    db_timeout_s: float = Field(default=10.0, gt=0, le=900)
    db_echo: bool = False
    aws_region: str = Field(default="us-east-1", validation_alias="AWS_REGION")
    aws_endpoint_url: str | None = Field(default=None, validation_alias="AWS_ENDPOINT_URL")
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    health_check_timeout_s: float = Field(default=2.0, gt=0)

    @field_validator("database_url", mode="before")
    @classmethod
    def _empty_url_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("database_secret_arn", "database_host", "database_ca_bundle", "aws_endpoint_url", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @model_validator(mode="after")
    def _deployed_stages_are_strict(self) -> Settings:
        if self.stage == "local":
            return self
        url = self.database_url.get_secret_value() if self.database_url else None
        if url is None and self.database_secret_arn is None:
            raise SettingsError(
                "DATABASE_URL", f"SQLite is for STAGE=local only; set DATABASE_URL or DATABASE_SECRET_ARN "
                f"for STAGE={self.stage}"
            )
        if url is not None:
            if url.startswith("sqlite"):
                raise SettingsError("DATABASE_URL", f"SQLite is refused for STAGE={self.stage}")
            password = _url_password(url)
            if password is not None and password.lower() in PLACEHOLDER_SECRETS:
                raise SettingsError("DATABASE_URL", "the password is a placeholder")
        return self

    @property
    def is_local(self) -> bool:
        return self.stage == "local"


def _url_password(url: str) -> str | None:
    from sqlalchemy.engine import make_url

    return make_url(url).password


def load_settings[S: BaseSettings](cls: type[S]) -> S:
    """An instance of `cls` from the environment; any problem becomes a SettingsError naming the
    variable (pydantic-settings gives a bare ValueError for a JSON variable that does not parse)."""
    try:
        return cls()
    except SettingsError:
        raise
    except ValidationError as exc:
        first = exc.errors()[0]
        ctx_error = (first.get("ctx") or {}).get("error")
        if isinstance(ctx_error, SettingsError):
            raise ctx_error from None
        name = str(first["loc"][0]).upper() if first["loc"] else "settings"
        raise SettingsError(name, first["msg"]) from None
    except ValueError as exc:
        match = re.search(r'"([a-z0-9_]+)"', str(exc))
        raise SettingsError(match.group(1).upper() if match else cls.__name__, str(exc).split("\n")[0]) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The validated settings; raises SettingsError naming the first bad variable."""
    return load_settings(Settings)


def exit_on_bad_settings() -> Settings:
    """For entry points: load settings or exit with one clear line naming the setting."""
    try:
        return get_settings()
    except SettingsError as exc:
        sys.stderr.write(f"veriflow: {exc}\n")
        raise SystemExit(2) from None
