"""A fake node for the chain's pure tests: JSON-RPC answers in the wire format, from plain data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from veriflow.chain.contract import ANCHORED_TOPIC
from veriflow.chain.hashing import to_hex
from veriflow.chain.reader import ChainUnavailable

CONTRACT = "0x2946259E0334f33A064106302415aD3391BeD384"
SENDER = "0xad9e03614e722d8c0d11befef1bffa70a1fca8c1"
TX = "0x" + "ab" * 32


def anchored_log(root: bytes, batch: bytes, *, address: str = CONTRACT, sender: str = SENDER) -> dict[str, Any]:
    return {"address": address, "topics": [to_hex(ANCHORED_TOPIC), to_hex(root), to_hex(batch),
                                           "0x" + "00" * 12 + sender[2:]], "data": "0x", "logIndex": "0x0"}


@dataclass
class FakeNode:
    chain_id: int = 137
    latest: int = 100
    finalized: int | None = 90
    receipts: dict[str, Any] = field(default_factory=dict)
    transactions: dict[str, Any] = field(default_factory=dict)
    down: bool = False
    calls: list[str] = field(default_factory=list)

    def mine(self, tx_hash: str, block: int, logs: list[dict[str, Any]], status: int = 1) -> None:
        self.receipts[tx_hash] = {"transactionHash": tx_hash, "blockNumber": hex(block), "blockHash": "0x" + "cd" * 32,
                                  "status": hex(status), "gasUsed": hex(24044), "effectiveGasPrice": hex(30 * 10**9),
                                  "logs": logs}
        self.transactions[tx_hash] = {"hash": tx_hash, "from": SENDER, "nonce": "0x7", "blockNumber": hex(block)}

    def __call__(self, method: str, params: list[Any]) -> Any:
        self.calls.append(method)
        if self.down:
            raise ChainUnavailable(f"{method}: connection refused")
        if method == "eth_chainId":
            return hex(self.chain_id)
        if method == "eth_blockNumber":
            return hex(self.latest)
        if method == "eth_getBlockByNumber":
            number = self.finalized if params[0] == "finalized" else self.latest
            return None if number is None else {"number": hex(number), "hash": "0x" + "ee" * 32}
        if method == "eth_getTransactionReceipt":
            return self.receipts.get(params[0])
        if method == "eth_getTransactionByHash":
            return self.transactions.get(params[0])
        raise ChainUnavailable(f"{method}: the method does not exist", code=-32601)
