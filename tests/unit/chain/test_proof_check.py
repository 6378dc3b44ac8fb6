"""A proof document is checked step by step; an unreachable chain is `unavailable`, never `invalid`."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
import rfc8785
from pydantic import ValidationError

from tests.unit.chain.fake_node import CONTRACT, TX, FakeNode, anchored_log
from veriflow.chain.hashing import from_hex, to_hex
from veriflow.chain.merkle import MerkleTree
from veriflow.chain.proof import ProofDocument, certificate_sha256, check_proof, proof_document
from veriflow.chain.reader import ChainReader

CERTIFICATE = {"id": "c-1", "recipient": "Ada Lovelace", "title": "Analytical Engines", "issued": "2025-01-31"}
BLOCK = 80


def _doc(node: FakeNode, *, certificate: dict[str, Any] | None = CERTIFICATE, mined: bool = True) -> ProofDocument:
    """A batch of five certificates, ours among them, anchored in block 80 (finalized is 90)."""
    ours = from_hex(certificate_sha256(CERTIFICATE))
    values = [ours, *(hashlib.sha256(f"cert-{i}".encode()).digest() for i in range(4))]
    tree = MerkleTree.build(values)
    if mined:
        node.mine(TX, BLOCK, [anchored_log(tree.root, b"\x01" * 32)])
    return proof_document(ours, tree, chain_id=137, contract_address=CONTRACT, transaction_hash=TX,
                          block_number=BLOCK, certificate=certificate)


def _statuses(doc: ProofDocument, node: FakeNode) -> dict[str, str]:
    return {step.name: step.status for step in check_proof(doc, ChainReader(node)).steps}


def _changed(doc: ProofDocument, **fields: Any) -> ProofDocument:
    return ProofDocument.model_validate({**doc.model_dump(), **fields})


def test_an_anchored_final_proof_is_valid_at_every_step(node: FakeNode) -> None:
    # GIVEN a proof whose root was anchored in block 80, below the finalized block 90
    doc = _doc(node)
    # WHEN it is checked  THEN every step is valid, in order, and so is the whole
    check = check_proof(doc, ChainReader(node))
    assert [(step.name, step.status) for step in check.steps] == [
        ("hash_matches", "valid"), ("merkle_path_valid", "valid"), ("anchored_on_chain", "valid"),
        ("finalized", "valid"),
    ]
    assert check.status == "valid"


def test_the_document_round_trips_through_json(node: FakeNode) -> None:
    # GIVEN a proof  WHEN written as JSON and read back  THEN it is the same, and has every field
    doc = _doc(node)
    again = ProofDocument.model_validate_json(doc.model_dump_json())
    assert again == doc
    assert set(json.loads(doc.model_dump_json())) >= {"version", "certificate_sha256", "leaf", "merkle_path", "root",
                                                      "chain_id", "contract_address", "transaction_hash",
                                                      "block_number"}


def test_a_certificate_changed_after_issue_fails_hash_matches(node: FakeNode) -> None:
    # GIVEN the embedded certificate with one field changed
    doc = _changed(_doc(node), certificate={**CERTIFICATE, "recipient": "Charles Babbage"})
    # WHEN checked  THEN hash_matches is invalid, and so is the proof
    assert _statuses(doc, node)["hash_matches"] == "invalid"
    assert check_proof(doc, ChainReader(node)).status == "invalid"


def test_the_hash_is_of_the_rfc8785_canonical_json(node: FakeNode) -> None:
    # GIVEN the certificate's keys in another order (the same document)
    reordered = dict(reversed(list(CERTIFICATE.items())))
    # THEN its hash is the SHA-256 of the canonical form, so the proof still holds
    assert certificate_sha256(reordered) == "0x" + hashlib.sha256(rfc8785.dumps(CERTIFICATE)).hexdigest()
    assert _statuses(_changed(_doc(node), certificate=reordered), node)["hash_matches"] == "valid"


def test_without_an_embedded_certificate_the_leaf_is_still_checked(node: FakeNode) -> None:
    doc = _doc(node, certificate=None)
    assert _statuses(doc, node)["hash_matches"] == "valid"
    # GIVEN a leaf that is not certificate_sha256's  THEN hash_matches is invalid
    assert _statuses(_changed(doc, leaf="0x" + "00" * 32), node)["hash_matches"] == "invalid"


def test_a_wrong_merkle_path_or_root_is_invalid(node: FakeNode) -> None:
    doc = _doc(node)
    # GIVEN a sibling changed  THEN the path is invalid
    assert _statuses(_changed(doc, merkle_path=["0x" + "00" * 32, *doc.merkle_path[1:]]), node)[
        "merkle_path_valid"] == "invalid"
    # GIVEN another root (which the transaction did not anchor)  THEN the path and the anchor are invalid
    statuses = _statuses(_changed(doc, root="0x" + "42" * 32), node)
    assert (statuses["merkle_path_valid"], statuses["anchored_on_chain"]) == ("invalid", "invalid")


def test_the_anchor_must_be_the_named_contracts_in_the_named_block_on_the_named_chain(node: FakeNode) -> None:
    doc = _doc(node)
    # GIVEN each claim of the document made false in turn  THEN anchored_on_chain is invalid
    for changed in ({"contract_address": "0x" + "99" * 20}, {"block_number": 81}, {"chain_id": 1}):
        statuses = _statuses(_changed(doc, **changed), node)
        assert statuses["anchored_on_chain"] == "invalid", changed
        assert statuses["finalized"] == "invalid", changed


def test_a_transaction_the_chain_never_had_is_invalid(node: FakeNode) -> None:
    # GIVEN a proof naming a transaction the node does not know, in a block the node has passed
    doc = _doc(node, mined=False)
    # THEN the anchor is invalid
    assert _statuses(doc, node)["anchored_on_chain"] == "invalid"


def test_a_pending_transaction_or_a_node_behind_the_block_is_pending(node: FakeNode) -> None:
    doc = _doc(node, mined=False)
    # GIVEN the transaction known to the node but not mined  THEN pending
    node.transactions[TX] = {"hash": TX, "from": "0x" + "11" * 20, "nonce": "0x1", "blockNumber": None}
    assert _statuses(doc, node)["anchored_on_chain"] == "pending"
    # GIVEN a node that has not reached the proof's block yet  THEN pending too
    node.transactions.clear()
    node.latest = BLOCK - 1
    assert set(_statuses(doc, node).values()) == {"valid", "pending"}


def test_an_anchor_above_the_finalized_block_is_pending(node: FakeNode) -> None:
    # GIVEN finality still behind the anchor's block
    doc = _doc(node)
    node.finalized = BLOCK - 1
    # WHEN checked  THEN anchored but not final: pending, which is not valid
    check = check_proof(doc, ChainReader(node))
    assert (check.step("anchored_on_chain").status, check.step("finalized").status) == ("valid", "pending")
    assert check.status == "pending"
    # and once finality reaches the block, valid
    node.finalized = BLOCK
    assert check_proof(doc, ChainReader(node)).status == "valid"


def test_an_unreachable_chain_is_unavailable_never_invalid(node: FakeNode) -> None:
    # GIVEN a valid proof and a node that does not answer
    doc = _doc(node)
    node.down = True
    # WHEN checked  THEN the off-chain steps are valid, the chain steps unavailable
    assert _statuses(doc, node) == {"hash_matches": "valid", "merkle_path_valid": "valid",
                                    "anchored_on_chain": "unavailable", "finalized": "unavailable"}


def test_a_node_failing_only_on_finality_makes_only_that_step_unavailable(node: FakeNode) -> None:
    # GIVEN a node whose answer to the finalized block is malformed, all else fine
    doc = _doc(node)
    real = node.__call__

    def flaky(method: str, params: list[Any]) -> Any:
        if params[:1] == ["finalized"]:
            return {"unexpected": "shape"}
        return real(method, params)

    # WHEN checked  THEN only the finality step is unavailable
    statuses = {step.name: step.status for step in check_proof(doc, ChainReader(flaky)).steps}
    assert (statuses["anchored_on_chain"], statuses["finalized"]) == ("valid", "unavailable")


@pytest.mark.parametrize("change", [
    {"version": 2}, {"leaf": "0x1234"}, {"root": "ab" * 32}, {"contract_address": "0x12"}, {"block_number": -1},
    {"merkle_path": ["0x" + "00" * 31]},
])
def test_malformed_documents_are_refused(node: FakeNode, change: dict[str, Any]) -> None:
    # GIVEN a document with one malformed field  WHEN parsed  THEN a validation error, not a check
    with pytest.raises(ValidationError):
        ProofDocument.model_validate({**_doc(node).model_dump(), **change})


def test_hex_fields_are_compared_case_insensitively(node: FakeNode) -> None:
    doc = _doc(node)
    # GIVEN the root and the contract in upper-case hex  WHEN checked  THEN the same proof, valid
    upper = _changed(doc, root="0x" + doc.root[2:].upper(), contract_address="0x" + CONTRACT[2:].upper())
    assert upper.root == doc.root
    assert check_proof(upper, ChainReader(node)).status == "valid"
    assert to_hex(from_hex(doc.leaf)) == doc.leaf
