"""The Merkle tree is OpenZeppelin's StandardMerkleTree for bytes32 values: the vectors in
tests/fixtures/merkle/vectors.json were written by @openzeppelin/merkle-tree itself (generate.mjs)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from veriflow.chain.hashing import from_hex, keccak256
from veriflow.chain.merkle import MerkleTree, leaf_hash, process_proof, verify_proof

VECTORS = Path(__file__).resolve().parents[2] / "fixtures/merkle/vectors.json"
CASES: list[dict[str, Any]] = json.loads(VECTORS.read_text())["cases"]


def _values(case: dict[str, Any]) -> list[bytes]:
    return [from_hex(value, 32) for value in case["values"]]


def test_the_vectors_cover_the_sizes_asked_for_and_use_the_documented_values() -> None:
    # GIVEN the committed vectors  WHEN their sizes and values are read
    # THEN every size is there, and the values are sha256("cert-<i>") (nothing hand-edited)
    assert [case["size"] for case in CASES] == [1, 2, 3, 5, 8, 13, 100]
    for case in CASES:
        assert _values(case) == [hashlib.sha256(f"cert-{i}".encode()).digest() for i in range(case["size"])]


@pytest.mark.parametrize("case", CASES, ids=lambda case: f"{case['size']}-values")
def test_root_layout_and_proofs_equal_openzeppelins(case: dict[str, Any]) -> None:
    # GIVEN the values OpenZeppelin's library built a tree of
    values = _values(case)
    # WHEN our tree is built from them, in the same order
    tree = MerkleTree.build(values)
    # THEN the root, the whole array layout, each value's leaf position and each proof are the same
    assert tree.root == from_hex(case["root"], 32)
    assert [node.hex() for node in tree.nodes] == [node[2:] for node in case["tree"]]
    assert [tree.leaf_index(value) for value in values] == case["tree_index"]
    for value, expected in zip(values, case["proofs"], strict=True):
        assert tree.proof(value) == [from_hex(node, 32) for node in expected]
        assert verify_proof(tree.root, value, tree.proof(value))


def test_a_leaf_is_the_double_keccak_of_the_value() -> None:
    # GIVEN a value  WHEN its leaf is hashed
    value = bytes(range(32))
    # THEN it is keccak256(keccak256(abi.encode(bytes32))), abi.encode of a bytes32 being itself
    assert leaf_hash(value) == keccak256(keccak256(value))
    # and a one-value tree's root is that leaf, with an empty proof
    tree = MerkleTree.build([value])
    assert (tree.root, tree.proof(value)) == (leaf_hash(value), [])


def test_a_changed_value_root_or_sibling_fails_verification() -> None:
    # GIVEN a valid proof of the 13-value tree
    values = _values(CASES[5])
    tree = MerkleTree.build(values)
    proof = tree.proof(values[3])
    flipped = bytes([proof[1][0] ^ 1]) + proof[1][1:]
    # WHEN any part of it is changed  THEN it no longer verifies
    assert verify_proof(tree.root, values[3], proof)
    assert not verify_proof(tree.root, values[4], proof)
    assert not verify_proof(keccak256(b"another root"), values[3], proof)
    assert not verify_proof(tree.root, values[3], [proof[0], flipped, *proof[2:]])
    assert not verify_proof(tree.root, values[3], proof[:-1])
    # and malformed input is not a proof rather than an error
    assert not verify_proof(tree.root, values[3][:31], proof)
    assert not verify_proof(tree.root, values[3], [*proof[:-1], proof[-1][:31]])
    assert process_proof(leaf_hash(values[3]), proof) == tree.root


def test_duplicates_empty_input_and_wrong_sizes_are_refused() -> None:
    value = hashlib.sha256(b"cert-0").digest()
    # GIVEN a value twice  WHEN a tree is built  THEN ValueError (one leaf would lack a proof)
    with pytest.raises(ValueError, match="duplicate"):
        MerkleTree.build([value, hashlib.sha256(b"cert-1").digest(), value])
    with pytest.raises(ValueError, match="at least one"):
        MerkleTree.build([])
    with pytest.raises(ValueError, match="32 bytes"):
        MerkleTree.build([b"short"])
    # and asking for a proof of a value that is not there names the problem
    with pytest.raises(KeyError, match="not in this tree"):
        MerkleTree.build([value]).proof(hashlib.sha256(b"cert-9").digest())
