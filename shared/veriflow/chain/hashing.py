"""keccak256 and the hex forms the chain speaks, through pycryptodome (web3 stays unimported)."""

from __future__ import annotations

from functools import cache
from typing import Any


@cache
def _keccak() -> Any:
    # Imported on first use: pycryptodome loads its C code through cffi, whose declaration parser
    # (pycparser) costs about 90 ms, which a reader that only asks for block numbers never needs.
    from Crypto.Hash import keccak

    return keccak


def keccak256(data: bytes) -> bytes:
    digest: bytes = _keccak().new(digest_bits=256, data=data).digest()
    return digest


def to_hex(data: bytes) -> str:
    return "0x" + data.hex()


def from_hex(text: str, size: int | None = None) -> bytes:
    """The bytes of a 0x-prefixed hex string; ValueError when it is not one (or not `size` bytes)."""
    if not isinstance(text, str) or not text.startswith(("0x", "0X")):
        raise ValueError(f"expected 0x-prefixed hex, got {text!r:.80}")
    data = bytes.fromhex(text[2:])
    if size is not None and len(data) != size:
        raise ValueError(f"expected {size} bytes, got {len(data)}")
    return data


def address_of_public_key(public_key: bytes) -> str:
    """The EIP-55 checksummed address of a 64-byte (x, y) secp256k1 public key."""
    if len(public_key) != 64:
        raise ValueError("an uncompressed public key is 64 bytes (x, y) without the 0x04 prefix")
    return checksum_address(keccak256(public_key)[12:])


def checksum_address(address: bytes | str) -> str:
    """EIP-55: hex digits upper-cased where the keccak of the lower-case address has a nibble >= 8."""
    raw = address if isinstance(address, bytes) else from_hex(address, 20)
    if len(raw) != 20:
        raise ValueError("an address is 20 bytes")
    lower = raw.hex()
    digest = keccak256(lower.encode()).hex()
    return "0x" + "".join(c.upper() if int(d, 16) >= 8 else c for c, d in zip(lower, digest[:40], strict=True))
