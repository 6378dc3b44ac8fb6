"""Signing and sending anchor transactions (web3 is imported here, and only here among the
anchoring path's modules).

Crash safety is the caller's part and ours together: `prepare` signs a complete EIP-1559
transaction (nonce fixed) and the caller stores `raw_tx` BEFORE calling `broadcast`. A run that
died after sending sends the stored bytes again: the same nonce and hash, so the node either
already has it (success) or mines it once; a second anchor is never created by a retry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_account.typed_transactions.typed_transaction import TypedTransaction
from hexbytes import HexBytes
from web3 import Web3
from web3.exceptions import (
    ProviderConnectionError,
    RequestTimedOut,
    TimeExhausted,
    TooManyRequests,
    TransactionNotFound,
    Web3Exception,
)

from veriflow.chain.contract import anchor_calldata, artifact
from veriflow.chain.hashing import keccak256, to_hex
from veriflow.chain.reader import ChainUnavailable
from veriflow.chain.signer import Signer, signer_from_env

# anchor() costs about 25,000 gas (the transaction, 68 bytes of calldata, one LOG4), always the
# same: a fixed limit with room to spare saves an eth_estimateGas round trip, and only the gas
# used is paid for.
GAS_LIMIT = 60_000
# Failures that say nothing about the transaction: the node was not reached, or put us off.
TRANSIENT = (OSError, ProviderConnectionError, RequestTimedOut, TimeExhausted, TooManyRequests)


class AnchorRejected(RuntimeError):
    """The node refused the transaction for a reason about the transaction itself (a nonce taken by
    another one, too little funds): sending it again will not help."""


@dataclass(frozen=True, slots=True)
class SignedAnchor:
    raw_tx: bytes
    tx_hash: str
    nonce: int
    sender: str


def _unavailable(action: str, exc: Exception) -> ChainUnavailable:
    return ChainUnavailable(f"{action}: {exc}")


def sign_transaction(signer: Signer, fields: dict[str, Any]) -> tuple[bytes, str]:
    """(raw transaction, hash) of a typed transaction signed by `signer` over its signing hash."""
    digest = TypedTransaction.from_dict(fields).hash()
    v, r, s = signer.sign_digest(digest)
    raw = bytes(TypedTransaction.from_dict({**fields, "v": v, "r": r, "s": s}).encode())
    return raw, to_hex(keccak256(raw))


class AnchorSender:
    """Prepares and broadcasts `anchor(root, batch)` calls from one signer to one contract."""

    def __init__(self, w3_or_provider: Any, signer: Signer, contract_address: str, chain_id: int) -> None:
        self.w3 = w3_or_provider if isinstance(w3_or_provider, Web3) else Web3(w3_or_provider)
        self.signer = signer
        self.contract_address = Web3.to_checksum_address(contract_address)
        self.chain_id = chain_id
        self._next_nonce: int | None = None  # after a successful send; None: ask the node

    def pending_nonce(self) -> int:
        try:
            return int(self.w3.eth.get_transaction_count(self.signer.address, "pending"))  # type: ignore[arg-type]
        except (Web3Exception, OSError) as exc:
            raise _unavailable("eth_getTransactionCount", exc) from exc

    def _fees(self) -> tuple[int, int]:
        """(max fee, priority fee) per gas: the node's tip, and room for the base fee to double
        (it can rise 12.5% a block) so a prepared transaction stays minable for a while."""
        try:
            tip = int(self.w3.eth.max_priority_fee)
            base = int(self.w3.eth.get_block("latest").get("baseFeePerGas") or 0)
        except (Web3Exception, OSError) as exc:
            raise _unavailable("fees", exc) from exc
        return 2 * base + tip, tip

    def prepare(self, root: bytes, batch: bytes, nonce: int | None = None) -> SignedAnchor:
        """A signed transaction anchoring `root` under `batch`, not sent. Store it, then broadcast it."""
        if nonce is None:
            nonce = self._next_nonce if self._next_nonce is not None else self.pending_nonce()
        max_fee, tip = self._fees()
        fields: dict[str, Any] = {
            "type": 2, "chainId": self.chain_id, "nonce": nonce, "to": self.contract_address, "value": 0,
            "data": anchor_calldata(root, batch), "gas": GAS_LIMIT, "maxFeePerGas": max_fee,
            "maxPriorityFeePerGas": tip, "accessList": [],
        }
        raw, tx_hash = sign_transaction(self.signer, fields)
        return SignedAnchor(raw_tx=raw, tx_hash=tx_hash, nonce=nonce, sender=self.signer.address)

    def broadcast(self, raw_tx: bytes) -> str:
        """Sends a prepared transaction; returns its hash. Idempotent: a node that refuses it as
        "already known" or "nonce too low" while it knows this very hash (pending or mined) means it
        was sent before, which counts as success. Any other refusal re-reads the nonce from the node
        and raises AnchorRejected; a node that cannot be reached raises ChainUnavailable."""
        tx_hash = to_hex(keccak256(raw_tx))
        nonce = TypedTransaction.from_bytes(HexBytes(raw_tx)).as_dict()["nonce"]
        try:
            self.w3.eth.send_raw_transaction(raw_tx)
        except TRANSIENT as exc:  # it may still have arrived: the stored bytes are sent again later
            self._next_nonce = None
            raise _unavailable("eth_sendRawTransaction", exc) from exc
        except Exception as exc:  # the node's refusal (web3 wraps RPC errors; eth-tester raises its own)
            self._next_nonce = None
            if self.known(tx_hash):
                return tx_hash
            raise AnchorRejected(f"the node refused anchor transaction {tx_hash}: {exc}") from exc
        self._next_nonce = nonce + 1
        return tx_hash

    def _deploy(self, timeout_s: float) -> str:
        max_fee, tip = self._fees()
        fields: dict[str, Any] = {"type": 2, "chainId": self.chain_id, "nonce": self.pending_nonce(), "value": 0,
                                  "data": artifact()["bytecode"], "maxFeePerGas": max_fee, "maxPriorityFeePerGas": tip,
                                  "accessList": []}
        try:
            estimate = self.w3.eth.estimate_gas({"from": self.signer.address, "data": fields["data"]})
            fields["gas"] = int(estimate * 1.2)
            raw, tx_hash = sign_transaction(self.signer, fields)
            self.broadcast(raw)
            receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=timeout_s)  # type: ignore[arg-type]
        except (Web3Exception, OSError) as exc:
            raise _unavailable("deploy", exc) from exc
        if receipt["status"] != 1:
            raise AnchorRejected(f"the deployment {tx_hash} reverted")
        return str(receipt["contractAddress"])

    def known(self, tx_hash: str) -> bool:
        """Whether the node has the transaction, pending or mined."""
        try:
            self.w3.eth.get_transaction(tx_hash)  # type: ignore[arg-type]
        except TransactionNotFound:
            return False
        except (Web3Exception, OSError) as exc:
            raise _unavailable("eth_getTransactionByHash", exc) from exc
        return True

    def gas_used(self, tx_hash: str) -> int | None:
        """Gas the mined transaction used; None while it is not mined."""
        try:
            receipt = self.w3.eth.get_transaction_receipt(tx_hash)  # type: ignore[arg-type]
        except TransactionNotFound:
            return None
        except (Web3Exception, OSError) as exc:
            raise _unavailable("eth_getTransactionReceipt", exc) from exc
        return int(receipt["gasUsed"])


def deploy_anchor_contract(w3_or_provider: Any, signer: Signer, chain_id: int, timeout_s: float = 60.0) -> str:
    """Deploys the anchor contract from `signer` (once per chain, by an operator) and returns its
    address once the deployment is mined: the ANCHOR_CONTRACT_ADDRESS of that chain."""
    return AnchorSender(w3_or_provider, signer, "0x" + "00" * 20, chain_id)._deploy(timeout_s)


def anchor_sender_from_env() -> AnchorSender:
    """CHAIN_RPC_URL's node, ANCHOR_CONTRACT_ADDRESS and the signer from signer_from_env(); under
    STAGE=local without a URL, the in-process chain and its deployed contract."""
    from veriflow.chain.settings import get_chain_settings
    from veriflow.core.settings import SettingsError

    settings = get_chain_settings()
    signer = signer_from_env()
    if not settings.chain_rpc_url:
        if settings.stage != "local":
            raise SettingsError("CHAIN_RPC_URL", f"required for STAGE={settings.stage}")
        from veriflow.chain.local_chain import local_chain

        chain = local_chain()
        return AnchorSender(chain.w3, signer, settings.anchor_contract_address or chain.contract_address,
                            chain.chain_id)
    if not settings.anchor_contract_address:
        raise SettingsError("ANCHOR_CONTRACT_ADDRESS", "required with CHAIN_RPC_URL")
    w3 = Web3(Web3.HTTPProvider(settings.chain_rpc_url, request_kwargs={"timeout": settings.chain_rpc_timeout_s}))
    chain_id = settings.chain_id
    if chain_id is None:
        try:
            chain_id = int(w3.eth.chain_id)
        except (Web3Exception, OSError) as exc:
            raise _unavailable("eth_chainId", exc) from exc
    return AnchorSender(w3, signer, settings.anchor_contract_address, chain_id)
