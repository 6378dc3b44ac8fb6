"""Anchoring and proof checking against a real node (anvil): what the in-process chain only imitates."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.chain.conftest import ANVIL_KEY, FINALITY_LAG, Anvil
from veriflow.chain.anchoring import AnchorRejected
from veriflow.chain.merkle import MerkleTree
from veriflow.chain.proof import ProofDocument, certificate_sha256, check_proof, proof_document

CERTIFICATE = {"id": "c-42", "recipient": "Katherine Johnson", "title": "Orbital Mechanics"}
OURS = bytes.fromhex(certificate_sha256(CERTIFICATE)[2:])
TREE = MerkleTree.build([OURS, *(bytes([i]) * 32 for i in range(1, 8))])
BATCH = b"\x0b" * 32


def _anchor(anvil: Anvil, root: bytes = TREE.root) -> str:
    sender = anvil.sender()
    signed = sender.prepare(root, BATCH)
    assert sender.broadcast(signed.raw_tx) == signed.tx_hash
    anvil.mined(signed.tx_hash)
    return signed.tx_hash


def _proof(anvil: Anvil, tx_hash: str) -> ProofDocument:
    receipt = anvil.mined(tx_hash)
    return proof_document(OURS, TREE, chain_id=anvil.chain_id, contract_address=anvil.contract_address,
                          transaction_hash=tx_hash, block_number=receipt.block_number, certificate=CERTIFICATE)


def _anchors(anvil: Anvil) -> int:
    """Anchored events the contract has ever emitted."""
    logs = anvil.rpc("eth_getLogs", {"fromBlock": "0x0", "toBlock": "latest", "address": anvil.contract_address})
    assert isinstance(logs, list)
    return len(logs)


def test_a_deployed_contract_anchors_and_the_reader_finds_the_event(anvil: Anvil) -> None:
    # GIVEN the contract deployed on anvil from our signer  WHEN a root is anchored
    tx_hash = _anchor(anvil)
    # THEN the reader decodes the event: the root, the batch, our address, the mined block
    reader = anvil.reader()
    (event,) = reader.anchored(tx_hash, anvil.contract_address)
    receipt = anvil.mined(tx_hash)
    assert (event.root, event.batch, event.sender) == (TREE.root, BATCH, anvil.signer.address)
    assert event.block_number == receipt.block_number
    assert 21_000 < receipt.gas_used < 30_000
    assert anvil.sender().gas_used(tx_hash) == receipt.gas_used


def test_finalized_lags_latest_and_a_proof_is_valid_once_final(anvil: Anvil) -> None:
    # GIVEN a chain with some history, then an anchor just mined
    anvil.rpc("anvil_mine", hex(10))
    reader = anvil.reader()
    # THEN finalized trails latest by anvil's two epochs
    assert reader.block_number("finalized") == reader.block_number() - FINALITY_LAG
    doc = _proof(anvil, _anchor(anvil))
    # WHEN checked with its block above finalized  THEN anchored, pending finality
    check = check_proof(doc, reader)
    assert (check.step("anchored_on_chain").status, check.status) == ("valid", "pending")
    # WHEN one block short of final  THEN still pending
    anvil.rpc("anvil_mine", hex(FINALITY_LAG - 1))
    assert check_proof(doc, reader).status == "pending"
    # WHEN the lag has passed  THEN every step is valid
    anvil.rpc("anvil_mine", hex(1))
    check = check_proof(doc, reader)
    assert check.status == "valid", check.steps


def test_the_cli_verifies_a_proof_against_anvils_url(anvil: Anvil, tmp_path: Path) -> None:
    # GIVEN a final proof in a file
    doc = _proof(anvil, _anchor(anvil))
    anvil.rpc("anvil_mine", hex(FINALITY_LAG))
    path = tmp_path / "proof.json"
    path.write_text(doc.model_dump_json(indent=2))
    # WHEN `veriflow verify-proof` runs against anvil, as anyone would run it
    done = subprocess.run([sys.executable, "-m", "veriflow.cli", "verify-proof", str(path), "--rpc", anvil.url],
                          capture_output=True, text=True, check=False, env={**os.environ})
    # THEN every step is valid and it exits 0
    assert done.returncode == 0, done.stdout + done.stderr
    assert [line.split()[1] for line in done.stdout.splitlines()] == ["valid"] * 5


def test_a_crash_after_send_re_broadcasts_the_same_transaction_once_mined(anvil: Anvil) -> None:
    # GIVEN an anchor prepared and stored, sent, and mined; the run died before recording it
    stored = anvil.sender().prepare(TREE.root, BATCH)
    anvil.sender().broadcast(stored.raw_tx)
    anvil.mined(stored.tx_hash)
    # WHEN later runs broadcast the stored bytes again (anvil answers "nonce too low")
    assert anvil.sender().broadcast(stored.raw_tx) == stored.tx_hash
    assert anvil.sender().broadcast(stored.raw_tx) == stored.tx_hash
    # THEN one anchor exists
    assert _anchors(anvil) == 1


def test_a_crash_after_send_re_broadcasts_the_same_transaction_while_pending(anvil: Anvil) -> None:
    # GIVEN mining paused and an anchor sent into the pool
    anvil.rpc("evm_setAutomine", False)
    stored = anvil.sender().prepare(TREE.root, BATCH)
    anvil.sender().broadcast(stored.raw_tx)
    # WHEN it is sent again while pending (anvil: "transaction already imported")  THEN success
    assert anvil.sender().broadcast(stored.raw_tx) == stored.tx_hash
    assert anvil.reader().receipt(stored.tx_hash) is None
    # and once mined, one anchor
    anvil.rpc("evm_mine")
    anvil.mined(stored.tx_hash)
    assert _anchors(anvil) == 1
    assert len(anvil.reader().anchored(stored.tx_hash, anvil.contract_address)) == 1


def test_nonces_count_pooled_transactions_and_a_taken_nonce_is_rejected(anvil: Anvil) -> None:
    anvil.rpc("evm_setAutomine", False)
    sender = anvil.sender()
    # GIVEN two anchors sent while the first is still pooled  THEN consecutive nonces (from the pending count)
    first = sender.prepare(TREE.root, BATCH)
    sender.broadcast(first.raw_tx)
    second = anvil.sender().prepare(b"\x22" * 32, BATCH)
    anvil.sender().broadcast(second.raw_tx)
    assert second.nonce == first.nonce + 1
    anvil.rpc("evm_mine")
    anvil.mined(second.tx_hash)
    assert _anchors(anvil) == 2
    # GIVEN a different transaction signed for a nonce already used  THEN rejected, never success
    stale = anvil.sender().prepare(b"\x33" * 32, BATCH, nonce=first.nonce)
    with pytest.raises(AnchorRejected):
        anvil.sender().broadcast(stale.raw_tx)
    assert _anchors(anvil) == 2


def test_a_node_that_goes_down_makes_the_chain_steps_unavailable(anvil: Anvil, tmp_path: Path) -> None:
    # GIVEN a final proof, then the node stops
    doc = _proof(anvil, _anchor(anvil))
    anvil.rpc("anvil_mine", hex(FINALITY_LAG))
    reader = anvil.reader()
    assert check_proof(doc, reader).status == "valid"
    anvil.stop()
    # WHEN checked  THEN the chain steps are unavailable (never invalid), and the CLI exits 2
    check = check_proof(doc, reader)
    assert [step.status for step in check.steps] == ["valid", "valid", "unavailable", "unavailable"]
    path = tmp_path / "proof.json"
    path.write_text(doc.model_dump_json())
    done = subprocess.run([sys.executable, "-m", "veriflow.cli", "verify-proof", str(path), "--rpc", anvil.url],
                          capture_output=True, text=True, check=False, env={**os.environ})
    assert done.returncode == 2, done.stdout + done.stderr


def test_the_cli_deploys_the_anchor_contract_once_per_chain(
    anvil: Anvil, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from veriflow.chain.reader import ChainReader, HttpTransport
    from veriflow.chain.settings import get_chain_settings
    from veriflow.cli import main

    # GIVEN a node and a funded signer (locally a raw key; deployed stages use the KMS key)
    monkeypatch.setenv("CHAIN_RPC_URL", anvil.url)
    monkeypatch.setenv("CHAIN_SIGNER_PRIVATE_KEY", "0x" + ANVIL_KEY.hex())
    get_chain_settings.cache_clear()
    try:
        # WHEN the operator deploys the contract
        assert main(["deploy-anchor-contract", "--timeout", "10"]) == 0
    finally:
        get_chain_settings.cache_clear()
    # THEN the address it prints holds the anchor contract's code
    address = capsys.readouterr().out.split("deployed at ")[1].split()[0]
    code = ChainReader(HttpTransport(anvil.url))._call("eth_getCode", [address, "latest"])
    assert isinstance(code, str)
    assert len(code) > 100
