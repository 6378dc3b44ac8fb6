"""The JSON-RPC reader parses what nodes answer, and turns every failure into ChainUnavailable."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.chain.fake_node import CONTRACT, TX, FakeNode, anchored_log
from veriflow.chain.contract import ANCHOR_SELECTOR, ANCHORED_TOPIC, EVENT_SIGNATURE
from veriflow.chain.hashing import keccak256, to_hex
from veriflow.chain.reader import ChainReader, ChainUnavailable, unwrap

ROOT, BATCH = b"\x11" * 32, b"\x22" * 32


def test_chain_id_and_block_numbers_from_hex_quantities(node: FakeNode) -> None:
    # GIVEN a node on chain 137 at block 100, finalized at 90
    reader = ChainReader(node)
    # WHEN asked  THEN the numbers come back as ints, `finalized` through the block of that tag
    assert (reader.chain_id(), reader.block_number(), reader.block_number("finalized")) == (137, 100, 90)
    assert node.calls == ["eth_chainId", "eth_blockNumber", "eth_getBlockByNumber"]


def test_a_node_without_a_finalized_block_yet_says_zero(node: FakeNode) -> None:
    # GIVEN a young chain whose node has no finalized block (null)  WHEN asked  THEN 0: nothing is final
    node.finalized = None
    assert ChainReader(node).block_number("finalized") == 0


def test_the_anchored_event_is_decoded_from_the_contracts_logs_only(node: FakeNode) -> None:
    # GIVEN a mined transaction with our event, the same event from another contract, another event,
    # and one of ours garbled (bad hex, a sender that is not an address)
    other = dict(anchored_log(b"\x33" * 32, BATCH), address="0x" + "99" * 20)
    unrelated = dict(anchored_log(ROOT, BATCH), topics=["0x" + "01" * 32, to_hex(ROOT)])
    good = anchored_log(ROOT, BATCH)
    bad_hex = dict(good, topics=[good["topics"][0], "0xzz", *good["topics"][2:]])
    not_an_address = dict(good, topics=[*good["topics"][:3], to_hex(ROOT)])
    node.mine(TX, 42, [good, other, unrelated, bad_hex, not_an_address])
    # WHEN the contract's events are read
    events = ChainReader(node).anchored(TX, CONTRACT.lower())
    # THEN exactly ours, with its root, batch, checksummed sender, block and transaction
    assert len(events) == 1
    event = events[0]
    assert (event.root, event.batch, event.block_number, event.tx_hash) == (ROOT, BATCH, 42, TX)
    assert event.sender == "0xAd9E03614E722d8C0D11befeF1bfFa70A1fCa8c1"
    assert event.contract_address == CONTRACT


def test_a_reverted_or_unknown_transaction_has_no_events(node: FakeNode) -> None:
    # GIVEN a reverted transaction (a node never reports logs for it, but say one did)
    node.mine(TX, 42, [anchored_log(ROOT, BATCH)], status=0)
    reader = ChainReader(node)
    # WHEN read  THEN no event; and a hash the node does not know has no receipt and no transaction
    assert reader.anchored(TX, CONTRACT) == []
    assert reader.receipt("0x" + "00" * 32) is None
    assert reader.transaction("0x" + "00" * 32) is None
    receipt = reader.receipt(TX)
    assert receipt is not None
    assert (receipt.succeeded, receipt.gas_used, receipt.block_number) == (False, 24044, 42)


def test_the_event_topic_and_selector_are_the_keccak_of_their_signatures() -> None:
    # GIVEN the literal constants  WHEN the signatures are hashed  THEN they are the same bytes
    assert keccak256(EVENT_SIGNATURE.encode()) == ANCHORED_TOPIC
    assert keccak256(b"anchor(bytes32,bytes32)")[:4] == ANCHOR_SELECTOR
    # and the topic is the one any EVM tool computes for Anchored(bytes32,bytes32,address)
    assert to_hex(ANCHORED_TOPIC) == "0x840d56d6081fa4a201be5c97698b23055ee2e65deab7d5845a6ee3053b68bdf8"


@pytest.mark.parametrize("answer", [
    {"jsonrpc": "2.0", "id": 1, "error": {"code": -32000, "message": "header not found"}},
    {"jsonrpc": "2.0", "id": 1},
    ["not", "an", "object"],
    {"jsonrpc": "2.0", "id": 1, "error": "a bare string"},
])
def test_rpc_errors_and_malformed_responses_are_unavailable(answer: Any) -> None:
    # GIVEN a response that is an error, or not a response  WHEN unwrapped  THEN ChainUnavailable
    with pytest.raises(ChainUnavailable) as caught:
        unwrap("eth_blockNumber", answer)
    assert "eth_blockNumber" in str(caught.value)


def test_rpc_error_codes_are_kept() -> None:
    # GIVEN an RPC error with a code  WHEN unwrapped  THEN the exception keeps the code
    with pytest.raises(ChainUnavailable) as caught:
        unwrap("eth_call", {"error": {"code": -32601, "message": "method not found"}})
    assert caught.value.code == -32601


@pytest.mark.parametrize("result", [None, "12", 12, {"number": 5}])
def test_answers_that_are_not_what_the_method_returns_are_unavailable(result: Any) -> None:
    # GIVEN a node answering eth_blockNumber with something that is not a hex quantity
    reader = ChainReader(lambda method, params: result)
    # WHEN asked  THEN ChainUnavailable (never a wrong number, never a TypeError)
    with pytest.raises(ChainUnavailable, match="unexpected answer"):
        reader.block_number()


def test_a_receipt_missing_fields_is_unavailable(node: FakeNode) -> None:
    # GIVEN a receipt without its status  WHEN read  THEN unavailable, not a KeyError
    node.mine(TX, 42, [])
    del node.receipts[TX]["status"]
    with pytest.raises(ChainUnavailable):
        ChainReader(node).receipt(TX)
