"""The self-contained proof of a certificate and its standalone check (no web3, no database: anyone
holding the JSON and any node's URL can run it, and so can our own verify route).

Steps in the style of Blockcerts' verifier, each `valid | invalid | pending | unavailable`:
`hash_matches` (the certificate, when embedded, hashes to `certificate_sha256`, and `leaf` is that
hash's leaf), `merkle_path_valid` (the path leads from the leaf to `root`), `anchored_on_chain`
(the node's chain is `chain_id` and the transaction's receipt, in `block_number`, holds the
contract's Anchored event with this root) and `finalized` (that block is at or below the node's
finalized block). A node that cannot be asked makes a step `unavailable`, never `invalid`."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from veriflow.chain.hashing import from_hex, to_hex
from veriflow.chain.merkle import MerkleTree, leaf_hash, process_proof
from veriflow.chain.reader import ChainReader, ChainUnavailable, anchor_events

Status = Literal["valid", "invalid", "pending", "unavailable"]
STEPS = ("hash_matches", "merkle_path_valid", "anchored_on_chain", "finalized")

Hex32 = Annotated[str, Field(pattern=r"^0x[0-9a-fA-F]{64}$"), AfterValidator(str.lower)]
Address = Annotated[str, Field(pattern=r"^0x[0-9a-fA-F]{40}$")]


class ProofDocument(BaseModel):
    """Version 1 of the proof JSON. Other fields (e.g. what the certificates domain adds) are kept."""

    model_config = ConfigDict(extra="allow", frozen=True)

    version: Literal[1]
    certificate_sha256: Hex32
    leaf: Hex32
    merkle_path: list[Hex32] = Field(max_length=64)
    root: Hex32
    chain_id: int = Field(gt=0)
    contract_address: Address
    transaction_hash: Hex32
    block_number: int = Field(ge=0)
    # The canonical certificate document, when the proof carries it: its RFC 8785 JSON is what
    # `certificate_sha256` is the hash of.
    certificate: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Step:
    name: str
    status: Status
    detail: str


@dataclass(frozen=True, slots=True)
class ProofCheck:
    steps: tuple[Step, ...]

    @property
    def status(self) -> Status:
        """invalid if any step is; else unavailable, else pending if any step is; else valid."""
        found = {step.status for step in self.steps}
        for status in ("invalid", "unavailable", "pending"):
            if status in found:
                return status
        return "valid"

    def step(self, name: str) -> Step:
        return next(step for step in self.steps if step.name == name)


def proof_document(value: bytes, tree: MerkleTree, *, chain_id: int, contract_address: str, transaction_hash: str,
                   block_number: int, certificate: dict[str, Any] | None = None) -> ProofDocument:
    """The proof of `value` (a certificate's SHA-256) in `tree`, anchored by that transaction."""
    return ProofDocument(version=1, certificate_sha256=to_hex(value), leaf=to_hex(leaf_hash(value)),
                         merkle_path=[to_hex(node) for node in tree.proof(value)], root=to_hex(tree.root),
                         chain_id=chain_id, contract_address=contract_address, transaction_hash=transaction_hash,
                         block_number=block_number, certificate=certificate)


def certificate_sha256(certificate: dict[str, Any]) -> str:
    """The hex SHA-256 of a certificate document's RFC 8785 (JCS) canonical JSON."""
    import rfc8785

    return "0x" + hashlib.sha256(rfc8785.dumps(certificate)).hexdigest()


def _hash_step(doc: ProofDocument) -> Step:
    if doc.certificate is not None and certificate_sha256(doc.certificate) != doc.certificate_sha256:
        return Step("hash_matches", "invalid", "the embedded certificate does not hash to certificate_sha256")
    if leaf_hash(from_hex(doc.certificate_sha256)) != from_hex(doc.leaf):
        return Step("hash_matches", "invalid", "leaf is not the Merkle leaf of certificate_sha256")
    what = "the embedded certificate's canonical JSON hashes to certificate_sha256, and " if doc.certificate else ""
    return Step("hash_matches", "valid", f"{what}leaf is the Merkle leaf of certificate_sha256")


def _path_step(doc: ProofDocument) -> Step:
    reached = process_proof(from_hex(doc.leaf), [from_hex(node) for node in doc.merkle_path])
    if reached != from_hex(doc.root):
        return Step("merkle_path_valid", "invalid", "the Merkle path does not lead from leaf to root")
    return Step("merkle_path_valid", "valid", f"the path of {len(doc.merkle_path)} hashes leads from leaf to root")


def _anchor_step(doc: ProofDocument, reader: ChainReader) -> Step:
    name = "anchored_on_chain"
    chain_id = reader.chain_id()
    if chain_id != doc.chain_id:
        return Step(name, "invalid", f"the node is on chain {chain_id}, the proof names chain {doc.chain_id}")
    receipt = reader.receipt(doc.transaction_hash)
    if receipt is None:
        if reader.transaction(doc.transaction_hash) is not None:
            return Step(name, "pending", "the transaction is known but not mined yet")
        if reader.block_number() < doc.block_number:
            return Step(name, "pending", f"the node has not reached block {doc.block_number} yet")
        return Step(name, "invalid", "the chain has no such transaction")
    if receipt.block_number != doc.block_number:
        return Step(name, "invalid", f"the transaction is in block {receipt.block_number}, not {doc.block_number}")
    roots = [event.root for event in anchor_events(receipt, doc.contract_address)]
    if from_hex(doc.root) not in roots:
        return Step(name, "invalid", "the transaction holds no Anchored event of this root from this contract")
    return Step(name, "valid", f"Anchored event of the root in block {receipt.block_number} on chain {chain_id}")


def _final_step(doc: ProofDocument, reader: ChainReader) -> Step:
    finalized = reader.block_number("finalized")
    if doc.block_number > finalized:
        return Step("finalized", "pending", f"block {doc.block_number} is above the finalized block {finalized}")
    return Step("finalized", "valid", f"block {doc.block_number} is at or below the finalized block {finalized}")


def check_proof(doc: ProofDocument, reader: ChainReader) -> ProofCheck:
    """Every step, in order. The chain steps ask `reader`; its failures give `unavailable`."""
    steps = [_hash_step(doc), _path_step(doc)]
    try:
        anchored = _anchor_step(doc, reader)
    except ChainUnavailable as exc:
        anchored = Step("anchored_on_chain", "unavailable", f"the chain could not be asked: {exc}")
    steps.append(anchored)
    if anchored.status != "valid":
        # Finality of an anchor not found says nothing more: the same status, for the same reason.
        steps.append(Step("finalized", anchored.status, "depends on anchored_on_chain"))
    else:
        try:
            steps.append(_final_step(doc, reader))
        except ChainUnavailable as exc:
            steps.append(Step("finalized", "unavailable", f"the chain could not be asked: {exc}"))
    return ProofCheck(tuple(steps))
