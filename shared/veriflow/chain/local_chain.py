"""The in-process chain for tests and `make dev`: eth-tester on py-evm behind the same reader
interface as a real node, with the anchor contract deployed and a funded signer.

One per process, created on first use (importing web3 and py-evm is most of its cost; creating and
deploying afterwards is milliseconds), and reset between tests by reverting to the snapshot taken
right after start-up instead of being built again. Knobs a real node would need days to show:
`finality_lag` (eth-tester's `finalized` and `safe` are simply `latest`, so this provider answers
for them `finality_lag` blocks below), `mine`, `hold_transactions` (auto-mining off), `revert` to
a snapshot (a reorg: what was mined after it is gone) and `outage` (every call fails)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from eth_tester import EthereumTester, PyEVMBackend  # type: ignore[import-untyped]
from web3 import EthereumTesterProvider, Web3

from veriflow.chain.contract import artifact
from veriflow.chain.reader import ChainReader, ChainUnavailable, unwrap
from veriflow.chain.signer import LOCAL_SIGNER_KEY, LocalSigner

if TYPE_CHECKING:
    from veriflow.chain.anchoring import AnchorSender

FINALITY_TAGS = ("finalized", "safe")
SIGNER_FUNDS_WEI = 10**23  # 100,000 ETH of the 1,000,000 eth-tester gives its first account


class _Provider(EthereumTesterProvider):
    """eth-tester's provider with the chain's knobs in front; one call at a time (py-evm is not
    thread-safe, and the local cloud runs handlers in threads)."""

    def __init__(self, chain: LocalChain, tester: Any) -> None:
        super().__init__(tester)
        self._chain = chain
        self._lock = threading.RLock()

    def make_request(self, method: Any, params: Any) -> Any:
        with self._lock:
            if self._chain.down:
                raise ConnectionError("the local chain is down (a simulated outage)")
            return super().make_request(method, self._chain.at_finality(list(params or [])))


class LocalChain:
    def __init__(self) -> None:
        self.tester = EthereumTester(PyEVMBackend())
        self.provider = _Provider(self, self.tester)
        self.w3 = Web3(self.provider)
        self.finality_lag = 0
        self.down = False
        self.signer = LocalSigner(LOCAL_SIGNER_KEY)
        deployer = self.tester.get_accounts()[0]
        self.tester.send_transaction({"from": deployer, "to": self.signer.address, "value": SIGNER_FUNDS_WEI,
                                      "gas": 21_000})
        deployed = self.tester.send_transaction({"from": deployer, "data": artifact()["bytecode"], "gas": 500_000})
        self.contract_address: str = self.tester.get_transaction_receipt(deployed)["contract_address"]
        self.chain_id: int = self.w3.eth.chain_id
        self._baseline = self.tester.take_snapshot()

    def reader(self) -> ChainReader:
        """A reader whose transport is this chain's provider (answers in JSON-RPC's wire format)."""
        return ChainReader(self._transport)

    def anchor_sender(self) -> AnchorSender:
        from veriflow.chain.anchoring import AnchorSender

        return AnchorSender(self.w3, self.signer, self.contract_address, self.chain_id)

    def _transport(self, method: str, params: list[Any]) -> Any:
        try:
            response = self.provider.make_request(method, params)
        except Exception as exc:  # eth-tester raises where a node answers an error object
            raise ChainUnavailable(f"{method}: {exc}") from exc
        return to_wire(unwrap(method, response))

    def at_finality(self, params: list[Any]) -> list[Any]:
        """`finalized` and `safe` given as the number of the block `finality_lag` below the head."""
        head: int | None = None
        out = []
        for param in params:
            if param in FINALITY_TAGS:
                head = self.tester.get_block_by_number("latest")["number"] if head is None else head
                param = max(0, head - self.finality_lag)
            out.append(param)
        return out

    def mine(self, blocks: int = 1) -> None:
        with self.provider._lock:
            self.tester.mine_blocks(blocks)

    def block_number(self) -> int:
        number: int = self.tester.get_block_by_number("latest")["number"]
        return number

    @contextmanager
    def hold_transactions(self) -> Iterator[None]:
        """Sent transactions stay pending inside the block (as on a busy network), then are mined
        at its end. One per sender: eth-tester checks each against the mined state, so neither its
        `pending` nonce nor a second nonce in a row counts them (anvil does, see the integration tests)."""
        self.tester.disable_auto_mine_transactions()
        try:
            yield
        finally:
            self.tester.enable_auto_mine_transactions()

    def snapshot(self) -> Any:
        return self.tester.take_snapshot()

    def revert(self, snapshot: Any) -> None:
        """A reorg back to `snapshot`: later blocks and their transactions are gone, and so are
        pending ones (eth-tester keeps those apart from the chain and would mine them again)."""
        with self.provider._lock:
            self.tester.revert_to_snapshot(snapshot)
            self.tester._pending_transactions.clear()

    @contextmanager
    def outage(self) -> Iterator[None]:
        self.down = True
        try:
            yield
        finally:
            self.down = False

    def reset(self) -> None:
        self.finality_lag, self.down = 0, False
        self.tester.auto_mine_transactions = True
        self.revert(self._baseline)


def to_wire(value: Any) -> Any:
    """eth-tester's answer as a node sends it: camelCase keys, hex quantities and data."""
    if isinstance(value, dict):
        return {_camel(key): to_wire(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_wire(item) for item in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return hex(value)
    if isinstance(value, bytes):
        return "0x" + value.hex()
    return value


def _camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(part.title() for part in rest)


_lock = threading.Lock()
_chain: LocalChain | None = None


def local_chain() -> LocalChain:
    """The process's in-process chain, created on first use."""
    global _chain
    with _lock:
        if _chain is None:
            _chain = LocalChain()
        return _chain


def reset_local_chain() -> None:
    """Back to the state right after start-up (contract deployed, signer funded, no outage, no lag)."""
    with _lock:
        if _chain is not None:
            _chain.reset()
