"""Settings of the auth domain, read from the environment once, on first use, like core/settings.py."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from veriflow.core.settings import PLACEHOLDER_SECRETS, SettingsError, Stage, load_settings

# OWASP's floor for argon2id; weaker parameters are refused, stronger ones are welcome.
ARGON2_MIN_MEMORY_KIB = 19456
ARGON2_MIN_TIME_COST = 2


class OidcProvider(BaseModel):
    """One OpenID Connect provider. `client_secret` may be a Secrets Manager ARN."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    issuer: str
    client_id: str = Field(min_length=1)
    client_secret: SecretStr | None = None
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    scopes: tuple[str, ...] = ("openid", "email", "profile")
    token_auth_method: str = Field(default="client_secret_basic", pattern="^client_secret_(basic|post)$")

    @field_validator("scopes")
    @classmethod
    def _openid_scope(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return value if "openid" in value else ("openid", *value)


class AuthSettings(BaseSettings):
    """Auth configuration. Environment variable names are the field names in upper case."""

    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore", frozen=True)

    stage: Stage = "local"
    argon2_memory_kib: int = Field(default=ARGON2_MIN_MEMORY_KIB, ge=ARGON2_MIN_MEMORY_KIB, le=1024 * 1024)
    argon2_time_cost: int = Field(default=ARGON2_MIN_TIME_COST, ge=ARGON2_MIN_TIME_COST, le=20)
    argon2_parallelism: int = Field(default=1, ge=1, le=16)
    jwt_issuer: str = Field(default="https://veriflow.local", min_length=1)
    jwt_audience: str = Field(default="veriflow-api", min_length=1)
    access_token_ttl_s: int = Field(default=15 * 60, ge=60, le=24 * 3600)
    jwt_leeway_s: int = Field(default=30, ge=0, le=300)
    signing_keys_secret_arn: str | None = None
    # The public half of the keys, which every function verifies tokens with; only the functions
    # that sign tokens are given (and may read) the private secret above.
    verification_keys_secret_arn: str | None = None
    signing_keys_cache_ttl_s: int = Field(default=60, ge=0, le=3600)
    # A token with an unknown kid re-reads the secret at most this often (an attacker's random kids
    # must not turn into one Secrets Manager call per request).
    signing_keys_refresh_interval_s: float = Field(default=5.0, ge=0)
    oidc_providers: dict[str, OidcProvider] = Field(default_factory=dict)
    oidc_http_timeout_s: float = Field(default=5.0, gt=0, le=30)
    oidc_jwks_cache_ttl_s: int = Field(default=3600, ge=0)
    oidc_jwks_refresh_interval_s: float = Field(default=30.0, ge=0)

    @field_validator("signing_keys_secret_arn", "verification_keys_secret_arn", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @model_validator(mode="after")
    def _providers_are_safe(self) -> AuthSettings:
        for name, provider in self.oidc_providers.items():
            for url in (provider.issuer, provider.authorization_endpoint, provider.token_endpoint, provider.jwks_uri):
                scheme = urlsplit(url).scheme
                # Plain HTTP only against the local fake provider; never file:// or other schemes.
                if scheme != "https" and not (scheme == "http" and self.stage == "local"):
                    raise SettingsError("OIDC_PROVIDERS", f"provider {name!r}: {url!r} must be an https URL")
            secret = provider.client_secret.get_secret_value() if provider.client_secret else None
            if self.stage != "local" and secret is not None and secret.lower() in PLACEHOLDER_SECRETS:
                raise SettingsError("OIDC_PROVIDERS", f"provider {name!r}: the client secret is a placeholder")
        return self

    def signing_keys_secret(self) -> str:
        """The signing-key secret's name or ARN; a missing one is a configuration error."""
        if not self.signing_keys_secret_arn:
            raise SettingsError("SIGNING_KEYS_SECRET_ARN", "not set")
        return self.signing_keys_secret_arn

    def verification_keys_secret(self) -> str:
        """The public verification-key secret's name or ARN; a missing one is a configuration error."""
        if not self.verification_keys_secret_arn:
            raise SettingsError("VERIFICATION_KEYS_SECRET_ARN", "not set")
        return self.verification_keys_secret_arn


@lru_cache(maxsize=1)
def get_auth_settings() -> AuthSettings:
    """The validated auth settings; raises SettingsError naming the first bad variable."""
    return load_settings(AuthSettings)
