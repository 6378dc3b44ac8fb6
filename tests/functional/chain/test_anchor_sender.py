"""Anchoring survives crashes: the signed transaction is stored before it is sent, and sending the
stored bytes again never makes a second anchor."""

from __future__ import annotations

import pytest

from veriflow.chain.anchoring import AnchorRejected, AnchorSender, anchor_sender_from_env, deploy_anchor_contract
from veriflow.chain.local_chain import LocalChain
from veriflow.chain.reader import ChainUnavailable

ROOT, BATCH = b"\x11" * 32, b"\x22" * 32


def _anchors(chain: LocalChain) -> int:
    """Anchored events the contract has ever emitted (every block's logs)."""
    logs = chain.w3.eth.get_logs({"fromBlock": 0, "toBlock": "latest", "address": chain.contract_address})
    return len(logs)


def test_a_crash_after_send_re_broadcasts_the_same_transaction_and_anchors_once(chain: LocalChain) -> None:
    # GIVEN a prepared anchor, stored by the caller, then sent; the run dies before recording that
    stored = chain.anchor_sender().prepare(ROOT, BATCH)
    chain.anchor_sender().broadcast(stored.raw_tx)
    # WHEN the next run (a new sender) broadcasts the stored bytes again, twice
    again = chain.anchor_sender()
    assert again.broadcast(stored.raw_tx) == stored.tx_hash
    assert again.broadcast(stored.raw_tx) == stored.tx_hash
    # THEN the same hash is reported and the chain holds one anchor
    assert _anchors(chain) == 1
    assert len(chain.reader().anchored(stored.tx_hash, chain.contract_address)) == 1


def test_re_broadcasting_a_pending_transaction_is_success(chain: LocalChain) -> None:
    sender = chain.anchor_sender()
    with chain.hold_transactions():
        stored = sender.prepare(ROOT, BATCH)
        sender.broadcast(stored.raw_tx)
        # GIVEN it sits in the pool  WHEN sent again  THEN success, same hash
        assert chain.anchor_sender().broadcast(stored.raw_tx) == stored.tx_hash
    assert _anchors(chain) == 1


def test_prepare_signs_without_sending_and_is_deterministic_for_a_nonce(chain: LocalChain) -> None:
    sender = chain.anchor_sender()
    # GIVEN a prepared anchor  THEN nothing was sent: the nonce is still free
    signed = sender.prepare(ROOT, BATCH)
    assert (signed.nonce, signed.sender) == (0, chain.signer.address)
    assert sender.pending_nonce() == 0
    assert chain.reader().transaction(signed.tx_hash) is None
    assert signed.tx_hash.startswith("0x")
    assert signed.raw_tx[0] == 2  # an EIP-1559 (type 2) transaction
    assert len(signed.tx_hash) == 66


def test_nonces_follow_the_pending_count_and_advance_after_each_send(chain: LocalChain) -> None:
    # GIVEN one anchor sent (nonce 0, from the node's pending count)
    sender = chain.anchor_sender()
    first = sender.prepare(ROOT, BATCH)
    sender.broadcast(first.raw_tx)
    # WHEN the next anchor is prepared  THEN it takes the next nonce
    second = sender.prepare(b"\x33" * 32, BATCH)
    assert (first.nonce, second.nonce) == (0, 1)
    sender.broadcast(second.raw_tx)
    # THEN both are on chain
    assert _anchors(chain) == 2


def test_a_nonce_taken_by_another_transaction_is_rejected_then_resynced(chain: LocalChain) -> None:
    sender = chain.anchor_sender()
    # GIVEN two different anchors signed for the same nonce, the first one mined
    winner = sender.prepare(ROOT, BATCH, nonce=0)
    loser = sender.prepare(b"\x44" * 32, BATCH, nonce=0)
    sender.broadcast(winner.raw_tx)
    # WHEN the second is sent  THEN AnchorRejected (it can never be mined), not success
    with pytest.raises(AnchorRejected):
        sender.broadcast(loser.raw_tx)
    # and the next prepare re-reads the nonce from the node's pending count
    assert sender.prepare(ROOT, BATCH).nonce == 1
    assert _anchors(chain) == 1


def test_gas_used_is_known_once_mined(chain: LocalChain) -> None:
    # GIVEN a prepared anchor  THEN it has no gas used while not sent
    sender = chain.anchor_sender()
    signed = sender.prepare(ROOT, BATCH)
    assert sender.gas_used(signed.tx_hash) is None
    # WHEN mined  THEN the receipt's figure, well under the fixed limit
    sender.broadcast(signed.raw_tx)
    gas = sender.gas_used(signed.tx_hash)
    receipt = chain.reader().receipt(signed.tx_hash)
    assert receipt is not None
    assert gas == receipt.gas_used
    assert gas is not None
    assert gas < 60_000


def test_an_outage_while_preparing_is_unavailable(chain: LocalChain) -> None:
    # GIVEN an outage  WHEN an anchor is prepared (fees and nonce come from the node)  THEN unavailable
    sender = chain.anchor_sender()
    with chain.outage(), pytest.raises(ChainUnavailable):
        sender.prepare(ROOT, BATCH)


def test_the_environment_gives_the_in_process_chains_sender_locally(chain: LocalChain) -> None:
    # GIVEN STAGE=local and nothing configured  WHEN the sender is built from the environment
    sender = anchor_sender_from_env()
    # THEN it anchors on the in-process chain's contract with its funded key
    assert (sender.contract_address, sender.signer.address, sender.chain_id) == (
        chain.contract_address, chain.signer.address, chain.chain_id)
    signed = sender.prepare(ROOT, BATCH)
    sender.broadcast(signed.raw_tx)
    assert len(chain.reader().anchored(signed.tx_hash, chain.contract_address)) == 1


def test_a_deployed_contract_anchors_like_the_start_up_one(chain: LocalChain) -> None:
    # GIVEN the contract deployed again, from the signer, by the operator's function
    address = deploy_anchor_contract(chain.w3, chain.signer, chain.chain_id)
    assert address != chain.contract_address
    # WHEN anchored there  THEN the event is that contract's, and not the other's
    sender = AnchorSender(chain.w3, chain.signer, address, chain.chain_id)
    signed = sender.prepare(ROOT, BATCH)
    sender.broadcast(signed.raw_tx)
    assert len(chain.reader().anchored(signed.tx_hash, address)) == 1
    assert chain.reader().anchored(signed.tx_hash, chain.contract_address) == []
