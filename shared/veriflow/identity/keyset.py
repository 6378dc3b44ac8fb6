"""The signing-key model and its (de)serialisation: ES256 (P-256) keys named by their RFC 7638 thumbprint."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from veriflow.identity.claims import as_utc

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePrivateKey, EllipticCurvePublicKey


@dataclass(frozen=True)
class VerificationKey:
    """A public key; it verifies tokens until `retire_at` (None: the active key, no end yet)."""

    kid: str
    public_key: EllipticCurvePublicKey
    created_at: datetime
    retire_at: datetime | None

    def is_live(self, now: datetime) -> bool:
        """True while the key may verify tokens (before its retire_at)."""
        return self.retire_at is None or now < self.retire_at


@dataclass(frozen=True)
class SigningKey(VerificationKey):
    """A key pair: only the functions that sign tokens ever hold one."""

    private_key: EllipticCurvePrivateKey


@dataclass(frozen=True)
class KeySet:
    """The stored keys, the active one (which signs) and the secret version they were read from."""

    keys: tuple[SigningKey, ...]
    active: SigningKey
    version_id: str

    def get(self, kid: str) -> SigningKey | None:
        """The key named `kid`, live or not; None when there is none."""
        return next((key for key in self.keys if key.kid == kid), None)


def parse_time(value: str) -> datetime:
    """A stored ISO 8601 time as an aware UTC datetime."""
    return as_utc(datetime.fromisoformat(value))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def public_jwk(key: EllipticCurvePublicKey) -> dict[str, str]:
    """The P-256 public key as a JWK without kid, alg or use."""
    numbers = key.public_numbers()
    x, y = numbers.x.to_bytes(32, "big"), numbers.y.to_bytes(32, "big")
    return {"crv": "P-256", "kty": "EC", "x": _b64(x), "y": _b64(y)}


def _thumbprint(key: EllipticCurvePublicKey) -> str:
    # RFC 7638: the kid is derived from the key, so it can never name two different keys.
    canonical = json.dumps(public_jwk(key), sort_keys=True, separators=(",", ":"))
    return _b64(hashlib.sha256(canonical.encode()).digest())


def new_entry(now: datetime) -> dict[str, Any]:
    """A freshly generated key as stored in the secret."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    private = ec.generate_private_key(ec.SECP256R1())
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return {"kid": _thumbprint(private.public_key()), "private_key_pem": pem.decode(),
            "created_at": now.isoformat(), "retire_at": None}


def parse_keyset(document: dict[str, Any], version_id: str) -> KeySet:
    """The key set in a stored document; raises ValueError on a document that is not one."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    keys = []
    for entry in document["keys"]:
        private = serialization.load_pem_private_key(entry["private_key_pem"].encode(), password=None)
        if not isinstance(private, ec.EllipticCurvePrivateKey) or private.curve.name != "secp256r1":
            raise ValueError(f"signing key {entry['kid']} is not a P-256 key")
        retire_at = entry.get("retire_at")
        keys.append(SigningKey(kid=entry["kid"], public_key=private.public_key(),
                               created_at=parse_time(entry["created_at"]),
                               retire_at=parse_time(retire_at) if retire_at else None, private_key=private))
    active = next((key for key in keys if key.kid == document["active"]), None)
    if active is None:
        raise ValueError("the active signing key is not among the keys")
    return KeySet(tuple(keys), active, version_id)


def public_document(keyset: KeySet) -> dict[str, Any]:
    """The public half of a key set, as published for every function that verifies tokens."""
    return {
        "keys": [{"kid": key.kid, **public_jwk(key.public_key), "created_at": key.created_at.isoformat(),
                  "retire_at": key.retire_at.isoformat() if key.retire_at else None} for key in keyset.keys],
        "active": keyset.active.kid,
        # The signing-key version this was made from: a signer republishes when they differ.
        "source_version": keyset.version_id,
    }


def parse_public_document(document: dict[str, Any]) -> tuple[VerificationKey, ...]:
    """The verification keys of a published document; raises ValueError on one that is not."""
    from cryptography.hazmat.primitives.asymmetric import ec

    keys = []
    for entry in document["keys"]:
        if entry.get("kty") != "EC" or entry.get("crv") != "P-256":
            raise ValueError(f"verification key {entry.get('kid')} is not a P-256 key")
        x, y = (int.from_bytes(base64.urlsafe_b64decode(entry[c] + "=" * (-len(entry[c]) % 4)), "big")
                for c in ("x", "y"))
        public = ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()
        if _thumbprint(public) != entry["kid"]:
            raise ValueError(f"verification key {entry['kid']} does not match its kid")
        retire_at = entry.get("retire_at")
        keys.append(VerificationKey(entry["kid"], public, parse_time(entry["created_at"]),
                                    parse_time(retire_at) if retire_at else None))
    return tuple(keys)
