"""Chain settings: raw keys and the in-process chain are for STAGE=local only."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from veriflow.chain.reader import HttpTransport, connect_reader
from veriflow.chain.settings import get_chain_settings
from veriflow.chain.signer import LOCAL_SIGNER_KEY, LocalSigner, signer_from_env
from veriflow.core.settings import SettingsError

KEY = "0x" + "42" * 32


@pytest.fixture(autouse=True)
def fresh_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("CHAIN_RPC_URL", "CHAIN_SIGNER_KMS_KEY_ID", "CHAIN_SIGNER_PRIVATE_KEY", "ANCHOR_CONTRACT_ADDRESS",
                 "CHAIN_ID"):
        monkeypatch.delenv(name, raising=False)
    get_chain_settings.cache_clear()
    yield
    get_chain_settings.cache_clear()


def test_a_deployed_stage_without_a_kms_key_is_refused_with_the_setting_named(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN STAGE=prod and no KMS key  WHEN a signer is asked for  THEN SettingsError naming the variable
    monkeypatch.setenv("STAGE", "prod")
    with pytest.raises(SettingsError) as caught:
        signer_from_env()
    assert caught.value.setting == "CHAIN_SIGNER_KMS_KEY_ID"


def test_a_raw_key_outside_local_is_refused_even_with_a_kms_key(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN STAGE=staging with a raw key set beside the KMS key  WHEN read  THEN refused, naming the raw key
    monkeypatch.setenv("STAGE", "staging")
    monkeypatch.setenv("CHAIN_SIGNER_KMS_KEY_ID", "alias/anchor")
    monkeypatch.setenv("CHAIN_SIGNER_PRIVATE_KEY", KEY)
    with pytest.raises(SettingsError) as caught:
        get_chain_settings()
    assert caught.value.setting == "CHAIN_SIGNER_PRIVATE_KEY"


def test_local_signers_a_given_key_or_the_in_process_chains(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN STAGE=local and nothing set  THEN the in-process chain's funded key
    signer = signer_from_env()
    assert signer.address == LocalSigner(LOCAL_SIGNER_KEY).address
    assert "42" * 8 not in repr(LocalSigner(bytes.fromhex("42" * 32)))  # the key never shows in a repr
    # GIVEN a key  THEN that key's signer
    monkeypatch.setenv("CHAIN_SIGNER_PRIVATE_KEY", KEY)
    get_chain_settings.cache_clear()
    assert signer_from_env().address == LocalSigner(bytes.fromhex("42" * 32)).address


def test_a_local_node_of_our_own_needs_its_funded_key(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a local stage pointed at a node (anvil), without a key  THEN the key is asked for, not guessed
    monkeypatch.setenv("CHAIN_RPC_URL", "http://127.0.0.1:8545")
    with pytest.raises(SettingsError) as caught:
        signer_from_env()
    assert caught.value.setting == "CHAIN_SIGNER_PRIVATE_KEY"


def test_the_reader_is_the_urls_and_the_in_process_chain_is_local_only(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN CHAIN_RPC_URL  THEN an HTTP reader of it, with the configured timeout
    monkeypatch.setenv("CHAIN_RPC_URL", "https://polygon-rpc.example")
    monkeypatch.setenv("CHAIN_RPC_TIMEOUT_S", "2.5")
    transport = connect_reader()._call
    assert isinstance(transport, HttpTransport)
    assert (transport.url, transport.timeout_s) == ("https://polygon-rpc.example", 2.5)
    # GIVEN no URL outside local  THEN refused, naming CHAIN_RPC_URL
    monkeypatch.delenv("CHAIN_RPC_URL")
    monkeypatch.setenv("STAGE", "dev")
    get_chain_settings.cache_clear()
    with pytest.raises(SettingsError) as caught:
        connect_reader()
    assert caught.value.setting == "CHAIN_RPC_URL"


def test_only_http_urls_are_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a file:// URL (urllib would open it)  WHEN read  THEN refused
    monkeypatch.setenv("CHAIN_RPC_URL", "file:///etc/passwd")
    with pytest.raises(SettingsError) as caught:
        get_chain_settings()
    assert caught.value.setting == "CHAIN_RPC_URL"
