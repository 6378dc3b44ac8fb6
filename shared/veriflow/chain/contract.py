"""The anchor contract as the package ships it: its compiled artifact (data/anchor.json, written by
scripts/build_contracts.py) and the `Anchored` event's topic and decoding, without web3."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from veriflow.chain.hashing import checksum_address, from_hex

ARTIFACT = Path(__file__).resolve().parent / "data" / "anchor.json"
EVENT_SIGNATURE = "Anchored(bytes32,bytes32,address)"
# topic0 of every Anchored log, keccak256 of EVENT_SIGNATURE: how a receipt's logs are told apart
# from any other event's. Literal, so importing this module hashes nothing (a unit test recomputes
# both, and finds the topic in the compiled contract).
ANCHORED_TOPIC = bytes.fromhex("840d56d6081fa4a201be5c97698b23055ee2e65deab7d5845a6ee3053b68bdf8")
ANCHOR_SELECTOR = bytes.fromhex("a21f3c6a")  # keccak256("anchor(bytes32,bytes32)")[:4]


@cache
def artifact() -> dict[str, Any]:
    """abi, bytecode, runtime_bytecode, vyper_version, evm_version of the anchor contract."""
    loaded: dict[str, Any] = json.loads(ARTIFACT.read_text())
    return loaded


def anchor_calldata(root: bytes, batch: bytes) -> bytes:
    """ABI-encoded `anchor(root, batch)`: the selector, then the two bytes32 words."""
    if len(root) != 32 or len(batch) != 32:
        raise ValueError("root and batch are 32 bytes each")
    return ANCHOR_SELECTOR + root + batch


@dataclass(frozen=True, slots=True)
class AnchorEvent:
    """One `Anchored` log: which root, under which batch id, sent by whom, where on chain."""

    root: bytes
    batch: bytes
    sender: str  # checksummed
    block_number: int
    tx_hash: str
    contract_address: str  # checksummed: the contract that emitted it


def decode_anchored(address: str, topics: list[str], block_number: int, tx_hash: str) -> AnchorEvent | None:
    """The event in a log, or None when the log is not a well-formed Anchored event (another topic0,
    another shape, or hex a node should never have sent)."""
    try:
        if len(topics) != 4 or from_hex(topics[0]) != ANCHORED_TOPIC:
            return None
        sender_word = from_hex(topics[3], 32)
        if any(sender_word[:12]):
            return None  # not an address: an ABI-encoded address is zero-padded on the left
        return AnchorEvent(root=from_hex(topics[1], 32), batch=from_hex(topics[2], 32),
                           sender=checksum_address(sender_word[12:]), block_number=block_number,
                           tx_hash=tx_hash.lower(), contract_address=checksum_address(address))
    except ValueError:
        return None
