"""Merkle trees of 32-byte values, identical to OpenZeppelin's `StandardMerkleTree.of(values,
["bytes32"])` (@openzeppelin/merkle-tree) and verifiable by its Solidity `MerkleProof.verify`.

Same root, same proofs, same layout: leaves are keccak256(keccak256(abi.encode(value))) (hashed
twice so a leaf can never be mistaken for an inner node), sorted by hash, stored at the end of one
array in reverse order with each inner node i = hash of the sorted pair (2i+1, 2i+2). Sorting the
pair means a proof needs no left/right flags. tests/unit/chain/test_merkle.py holds it to vectors
the JavaScript library wrote (tests/fixtures/merkle/)."""

from __future__ import annotations

from collections.abc import Sequence

from veriflow.chain.hashing import keccak256


def leaf_hash(value: bytes) -> bytes:
    """OpenZeppelin's standard leaf of a bytes32 value (abi.encode of a bytes32 is the value itself)."""
    _check_node(value, "value")
    return keccak256(keccak256(value))


def _pair(a: bytes, b: bytes) -> bytes:
    return keccak256(a + b) if a < b else keccak256(b + a)


def process_proof(leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """The root a proof leads to from `leaf` (MerkleProof.processProof)."""
    node = leaf
    for sibling in proof:
        node = _pair(node, sibling)
    return node


def verify_proof(root: bytes, value: bytes, proof: Sequence[bytes]) -> bool:
    """Whether `proof` leads from `value`'s leaf to `root`; malformed input is simply not a proof."""
    if len(root) != 32 or len(value) != 32 or any(len(node) != 32 for node in proof):
        return False
    return process_proof(leaf_hash(value), proof) == root


class MerkleTree:
    """A built tree: `root`, and `proof(value)` for each of its values."""

    __slots__ = ("_index", "nodes", "values")

    def __init__(self, nodes: Sequence[bytes], values: Sequence[bytes], index: dict[bytes, int]) -> None:
        self.nodes: tuple[bytes, ...] = tuple(nodes)  # the array layout, root first
        self.values: tuple[bytes, ...] = tuple(values)  # in the order given
        self._index = index  # value -> its leaf's position in `nodes`

    @classmethod
    def build(cls, values: Sequence[bytes]) -> MerkleTree:
        """The tree of `values` (32 bytes each, at least one, no duplicates: a certificate is
        anchored once, and a duplicate would leave one of its leaves without a proof)."""
        if not values:
            raise ValueError("a Merkle tree needs at least one value")
        hashed = sorted((leaf_hash(value), value) for value in values)
        count = len(hashed)
        nodes: list[bytes] = [b""] * (2 * count - 1)
        index: dict[bytes, int] = {}
        for position, (leaf, value) in enumerate(hashed):
            at = len(nodes) - 1 - position
            nodes[at] = leaf
            index[value] = at
        if len(index) != count:
            raise ValueError("duplicate values: each value must appear once in a tree")
        for i in range(len(nodes) - 1 - count, -1, -1):
            nodes[i] = _pair(nodes[2 * i + 1], nodes[2 * i + 2])
        return cls(nodes, values, index)

    @property
    def root(self) -> bytes:
        return self.nodes[0]

    def leaf_index(self, value: bytes) -> int:
        """Where `value`'s leaf sits in `nodes`; KeyError when the value is not in the tree."""
        try:
            return self._index[value]
        except KeyError:
            raise KeyError("the value is not in this tree") from None

    def proof(self, value: bytes) -> list[bytes]:
        """The sibling hashes from `value`'s leaf up to the root (OpenZeppelin's getProof)."""
        i = self.leaf_index(value)
        nodes = self.nodes
        path = []
        while i > 0:
            path.append(nodes[i + 1] if i % 2 else nodes[i - 1])
            i = (i - 1) // 2
        return path


def _check_node(value: bytes, what: str) -> None:
    if not isinstance(value, bytes | bytearray) or len(value) != 32:
        raise ValueError(f"a {what} must be 32 bytes")
