"""A small JSON-RPC client for any Ethereum node, over urllib (no web3: verifying a proof must stay
cheap to import). Every failure — network, timeout, HTTP status, an RPC error, an answer that is
not what the method returns — is one exception, ChainUnavailable, so a caller can say "the chain
could not be asked" and never mistake an outage for a negative answer."""

from __future__ import annotations

import http.client
import itertools
import json
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from veriflow.chain.contract import AnchorEvent, decode_anchored

BlockTag = Literal["latest", "safe", "finalized"]
# (method, params) -> the JSON-RPC result; raises ChainUnavailable.
Transport = Callable[[str, list[Any]], Any]


class ChainUnavailable(Exception):
    """The node could not be asked, or did not answer the question; `code` is the RPC error's, if any."""

    def __init__(self, message: str, *, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class HttpTransport:
    """JSON-RPC 2.0 over HTTP(S) POST, one request per call, with a timeout on each."""

    def __init__(self, url: str, timeout_s: float = 4.0) -> None:
        if not url.startswith(("http://", "https://")):
            raise ValueError("the RPC URL must be http:// or https://")
        self.url = url
        self.timeout_s = timeout_s
        self._ids = itertools.count(1)

    def __call__(self, method: str, params: list[Any]) -> Any:
        body = json.dumps({"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": params})
        request = urllib.request.Request(self.url, data=body.encode(), method="POST",  # noqa: S310 - scheme checked above
                                         headers={"content-type": "application/json", "user-agent": "veriflow"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:  # noqa: S310 - http(s) only
                payload = json.loads(response.read())
        except urllib.error.HTTPError as exc:
            raise ChainUnavailable(f"{method}: the node answered HTTP {exc.code}") from exc
        except (OSError, http.client.HTTPException, ValueError) as exc:  # URLError, timeouts, bad JSON
            raise ChainUnavailable(f"{method}: {exc}") from exc
        return unwrap(method, payload)


def unwrap(method: str, payload: Any) -> Any:
    """The result of a JSON-RPC response object, or ChainUnavailable for its error."""
    if not isinstance(payload, dict):
        raise ChainUnavailable(f"{method}: the answer is not a JSON-RPC response")
    error = payload.get("error")
    if error is not None:
        code = error.get("code") if isinstance(error, dict) else None
        message = error.get("message") if isinstance(error, dict) else error
        raise ChainUnavailable(f"{method}: {message}", code=code if isinstance(code, int) else None)
    if "result" not in payload:
        raise ChainUnavailable(f"{method}: the answer has neither result nor error")
    return payload["result"]


@dataclass(frozen=True, slots=True)
class Log:
    address: str
    topics: tuple[str, ...]
    data: str
    log_index: int


@dataclass(frozen=True, slots=True)
class Receipt:
    tx_hash: str
    block_number: int
    block_hash: str
    status: int  # 1 succeeded, 0 reverted
    gas_used: int
    effective_gas_price: int
    logs: tuple[Log, ...]

    @property
    def succeeded(self) -> bool:
        return self.status == 1


@dataclass(frozen=True, slots=True)
class TransactionInfo:
    """What the node knows of a transaction: `block_number` is None while it is pending."""

    tx_hash: str
    sender: str
    nonce: int
    block_number: int | None


def _quantity(value: Any) -> int:
    if isinstance(value, str) and value.startswith("0x"):
        return int(value, 16)
    raise ValueError(f"not a hex quantity: {value!r:.40}")


class ChainReader:
    """Read-only questions to one node. Any failure raises ChainUnavailable."""

    def __init__(self, transport: Transport) -> None:
        self._call = transport

    def _ask[T](self, method: str, params: list[Any], parse: Callable[[Any], T]) -> T:
        result = self._call(method, params)
        try:
            return parse(result)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ChainUnavailable(f"{method}: unexpected answer ({exc})") from exc

    def chain_id(self) -> int:
        return self._ask("eth_chainId", [], _quantity)

    def block_number(self, tag: BlockTag = "latest") -> int:
        """The newest block, or the newest one at `tag` (a node with no finalized block yet says 0)."""
        if tag == "latest":
            return self._ask("eth_blockNumber", [], _quantity)
        return self._ask("eth_getBlockByNumber", [tag, False], lambda b: 0 if b is None else _quantity(b["number"]))

    def receipt(self, tx_hash: str) -> Receipt | None:
        """The receipt of a mined transaction; None while it is pending or when the node never saw it."""
        return self._ask("eth_getTransactionReceipt", [tx_hash], _receipt)

    def transaction(self, tx_hash: str) -> TransactionInfo | None:
        """None when the node does not know the transaction at all: dropped, or never sent."""
        return self._ask("eth_getTransactionByHash", [tx_hash], _transaction)

    def pending_nonce(self, address: str) -> int:
        return self._ask("eth_getTransactionCount", [address, "pending"], _quantity)

    def anchored(self, tx_hash: str, contract_address: str) -> list[AnchorEvent]:
        """The Anchored events `contract_address` emitted in the transaction ([] if none, or not mined)."""
        receipt = self.receipt(tx_hash)
        return [] if receipt is None else anchor_events(receipt, contract_address)


def anchor_events(receipt: Receipt, contract_address: str) -> list[AnchorEvent]:
    """The receipt's Anchored events from that contract; a reverted transaction emitted none."""
    if not receipt.succeeded:
        return []
    wanted = contract_address.lower()
    found = (decode_anchored(log.address, list(log.topics), receipt.block_number, receipt.tx_hash)
             for log in receipt.logs if log.address.lower() == wanted)
    return [event for event in found if event is not None]


def _receipt(raw: Any) -> Receipt | None:
    if raw is None:
        return None
    logs = tuple(Log(address=log["address"], topics=tuple(log["topics"]), data=log["data"],
                     log_index=_quantity(log["logIndex"])) for log in raw["logs"] if not log.get("removed"))
    return Receipt(tx_hash=raw["transactionHash"].lower(), block_number=_quantity(raw["blockNumber"]),
                   block_hash=raw["blockHash"], status=_quantity(raw["status"]), gas_used=_quantity(raw["gasUsed"]),
                   effective_gas_price=_quantity(raw.get("effectiveGasPrice", "0x0")), logs=logs)


def _transaction(raw: Any) -> TransactionInfo | None:
    if raw is None:
        return None
    block = raw.get("blockNumber")
    return TransactionInfo(tx_hash=raw["hash"].lower(), sender=raw["from"], nonce=_quantity(raw["nonce"]),
                           block_number=None if block is None else _quantity(block))


def connect_reader() -> ChainReader:
    """A reader of CHAIN_RPC_URL; without one, of the in-process chain (STAGE=local only)."""
    from veriflow.chain.settings import get_chain_settings
    from veriflow.core.settings import SettingsError

    settings = get_chain_settings()
    if settings.chain_rpc_url:
        return ChainReader(HttpTransport(settings.chain_rpc_url, settings.chain_rpc_timeout_s))
    if settings.stage != "local":
        raise SettingsError("CHAIN_RPC_URL", f"required for STAGE={settings.stage}: the in-process chain is local only")
    from veriflow.chain.local_chain import local_chain

    return local_chain().reader()
