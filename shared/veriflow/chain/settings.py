"""Where the chain is and who signs for us, read from the environment on first use."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from veriflow.core.settings import SettingsError, Stage, load_settings


class ChainSettings(BaseSettings):
    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore", frozen=True)

    stage: Stage = "local"
    # Any JSON-RPC node (a provider's HTTPS URL in deployed stages). Unset: the in-process chain,
    # which exists for STAGE=local only.
    chain_rpc_url: str | None = None
    # Per call: a node that does not answer in time is unavailable, never a Lambda timeout.
    chain_rpc_timeout_s: float = Field(default=4.0, gt=0, le=30)
    # When set, a node reporting another chain id is refused (a URL pointing at the wrong network).
    chain_id: int | None = Field(default=None, gt=0)
    anchor_contract_address: str | None = None
    # An AWS KMS ECC_SECG_P256K1 key: the anchoring key never leaves KMS.
    chain_signer_kms_key_id: str | None = None
    # A raw key, for STAGE=local against a node of our own (anvil); refused anywhere else.
    chain_signer_private_key: SecretStr | None = None

    @field_validator("chain_rpc_url", "anchor_contract_address", "chain_signer_kms_key_id", "chain_id",
                     "chain_signer_private_key", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("chain_rpc_url")
    @classmethod
    def _http_only(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise SettingsError("CHAIN_RPC_URL", "must be an http:// or https:// URL")
        return value

    @model_validator(mode="after")
    def _raw_keys_stay_local(self) -> ChainSettings:
        if self.stage != "local" and self.chain_signer_private_key is not None:
            raise SettingsError("CHAIN_SIGNER_PRIVATE_KEY",
                                f"a raw signing key is refused for STAGE={self.stage}; use CHAIN_SIGNER_KMS_KEY_ID")
        return self


@lru_cache(maxsize=1)
def get_chain_settings() -> ChainSettings:
    return load_settings(ChainSettings)
