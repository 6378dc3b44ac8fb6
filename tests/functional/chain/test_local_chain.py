"""The in-process chain answers like a node, anchors end to end, and can lag, hold, reorg and fail."""

from __future__ import annotations

import pytest

from veriflow.chain.local_chain import LocalChain, local_chain, reset_local_chain
from veriflow.chain.merkle import MerkleTree
from veriflow.chain.proof import check_proof, proof_document
from veriflow.chain.reader import ChainUnavailable, connect_reader

ROOT, BATCH = b"\x11" * 32, b"\x22" * 32


def test_an_anchor_is_found_by_the_reader_with_its_root_batch_and_sender(chain: LocalChain) -> None:
    # GIVEN the chain's sender  WHEN it anchors a root
    sender = chain.anchor_sender()
    signed = sender.prepare(ROOT, BATCH)
    assert sender.broadcast(signed.raw_tx) == signed.tx_hash
    # THEN the reader finds exactly that event, from the contract, in the mined block
    reader = chain.reader()
    (event,) = reader.anchored(signed.tx_hash, chain.contract_address)
    receipt = reader.receipt(signed.tx_hash)
    assert receipt is not None
    assert (event.root, event.batch, event.sender) == (ROOT, BATCH, chain.signer.address)
    assert event.block_number == receipt.block_number == reader.block_number()
    assert 21_000 < receipt.gas_used < 30_000  # the transaction, its calldata and one LOG4
    assert reader.chain_id() == chain.chain_id


def test_connect_reader_without_a_url_is_the_in_process_chain_locally(chain: LocalChain) -> None:
    # GIVEN STAGE=local and no CHAIN_RPC_URL  WHEN a reader is connected  THEN it reads this chain
    assert connect_reader().chain_id() == chain.chain_id
    assert connect_reader().block_number() == chain.block_number()


def test_finalized_lags_latest_by_the_set_number_of_blocks(chain: LocalChain) -> None:
    # GIVEN a lag of 3 (eth-tester by itself reports finalized = latest)
    reader = chain.reader()
    assert reader.block_number("finalized") == reader.block_number()
    chain.finality_lag = 3
    chain.mine(5)
    # WHEN blocks are mined  THEN finalized (and safe) trail latest by 3
    latest = reader.block_number()
    assert reader.block_number("finalized") == reader.block_number("safe") == latest - 3
    chain.mine(2)
    assert reader.block_number("finalized") == latest - 1


def test_a_proof_becomes_valid_once_its_block_is_final(chain: LocalChain) -> None:
    # GIVEN a batch anchored while finality lags 4 blocks
    chain.finality_lag = 4
    values = [bytes([i]) * 32 for i in range(1, 6)]
    tree = MerkleTree.build(values)
    sender = chain.anchor_sender()
    signed = sender.prepare(tree.root, BATCH)
    sender.broadcast(signed.raw_tx)
    receipt = chain.reader().receipt(signed.tx_hash)
    assert receipt is not None
    doc = proof_document(values[2], tree, chain_id=chain.chain_id, contract_address=chain.contract_address,
                         transaction_hash=signed.tx_hash, block_number=receipt.block_number)
    # WHEN checked at once  THEN anchored, not final yet
    assert check_proof(doc, chain.reader()).status == "pending"
    # WHEN 4 blocks follow  THEN valid
    chain.mine(4)
    check = check_proof(doc, chain.reader())
    assert check.status == "valid", check.steps


def test_a_held_transaction_is_pending_then_mined(chain: LocalChain) -> None:
    sender = chain.anchor_sender()
    reader = chain.reader()
    # GIVEN transactions held in the pool (a busy network)
    with chain.hold_transactions():
        signed = sender.prepare(ROOT, BATCH)
        sender.broadcast(signed.raw_tx)
        # THEN the node knows it, without a receipt
        pending = reader.transaction(signed.tx_hash)
        assert pending is not None
        assert pending.block_number is None
        assert reader.receipt(signed.tx_hash) is None
    # WHEN the block is mined  THEN it has its receipt and its event
    assert len(reader.anchored(signed.tx_hash, chain.contract_address)) == 1


def test_a_reorg_drops_a_mined_anchor_so_a_later_run_sees_it_gone(chain: LocalChain) -> None:
    # GIVEN an anchor mined after a snapshot
    before = chain.snapshot()
    sender = chain.anchor_sender()
    signed = sender.prepare(ROOT, BATCH)
    sender.broadcast(signed.raw_tx)
    reader = chain.reader()
    assert reader.receipt(signed.tx_hash) is not None
    # WHEN the chain reorganises back to the snapshot
    chain.revert(before)
    # THEN neither the receipt nor the transaction exists: dropped, and the nonce is free again
    assert reader.receipt(signed.tx_hash) is None
    assert reader.transaction(signed.tx_hash) is None
    assert reader.pending_nonce(chain.signer.address) == signed.nonce


def test_a_reorg_also_drops_what_was_pending(chain: LocalChain) -> None:
    # GIVEN an anchor held in the pool after a snapshot
    before = chain.snapshot()
    sender = chain.anchor_sender()
    with chain.hold_transactions():
        signed = sender.prepare(ROOT, BATCH)
        sender.broadcast(signed.raw_tx)
        # WHEN the chain reverts to the snapshot  THEN the pooled transaction is gone too
        chain.revert(before)
        assert chain.reader().transaction(signed.tx_hash) is None
    # and nothing is mined when the hold ends
    assert chain.reader().receipt(signed.tx_hash) is None


def test_an_outage_makes_every_call_unavailable(chain: LocalChain) -> None:
    reader = chain.reader()
    # GIVEN an outage  WHEN the chain is asked  THEN ChainUnavailable, for reads and for sending
    with chain.outage(), pytest.raises(ChainUnavailable, match="outage"):
        reader.block_number()
    sender = chain.anchor_sender()
    signed = sender.prepare(ROOT, BATCH)
    with chain.outage(), pytest.raises(ChainUnavailable):
        sender.broadcast(signed.raw_tx)
    # and afterwards it answers again
    assert reader.block_number() >= 0


def test_reset_goes_back_to_start_up_keeping_the_chain(chain: LocalChain) -> None:
    # GIVEN a chain with blocks, a lag and an outage switched on
    start = chain.block_number()
    chain.mine(10)
    chain.finality_lag = 2
    chain.down = True
    # WHEN reset (bench/anchoring.py measures it: milliseconds, against about 0.1 s for a new chain)
    reset_local_chain()
    # THEN the same chain object, at its start-up state
    assert local_chain() is chain
    assert (chain.block_number(), chain.finality_lag, chain.down) == (start, 0, False)
    assert chain.reader().pending_nonce(chain.signer.address) == 0
