"""Who signs our transactions: a `Signer` turns a 32-byte digest into (v, r, s). In deployed
stages that is an AWS KMS secp256k1 key (the private key never leaves KMS); a raw local key only
under STAGE=local."""

from __future__ import annotations

from typing import Any, Protocol

from veriflow.chain.hashing import address_of_public_key, keccak256

# secp256k1's group order; Ethereum accepts only signatures with s in the lower half (EIP-2).
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
# The in-process chain funds this key at start-up: fixed, so `make dev` keeps one address.
LOCAL_SIGNER_KEY = keccak256(b"veriflow local chain signer")


class SigningError(RuntimeError):
    """The key service returned a signature that is not one of our key over this digest."""


class Signer(Protocol):
    @property
    def address(self) -> str: ...

    def sign_digest(self, digest: bytes) -> tuple[int, int, int]:
        """(v, r, s) over the 32-byte digest, v the y parity (0 or 1) and s in the lower half."""
        ...


def _recover(digest: bytes, v: int, r: int, s: int) -> bytes:
    from eth_keys.datatypes import Signature

    return bytes(Signature(vrs=(v, r, s)).recover_public_key_from_msg_hash(digest).to_bytes())


class LocalSigner:
    """A raw private key held in memory: tests, `make dev`, a local anvil."""

    def __init__(self, private_key: bytes) -> None:
        from eth_keys.datatypes import PrivateKey

        self._key = PrivateKey(private_key)
        self._address: str = self._key.public_key.to_checksum_address()

    @property
    def address(self) -> str:
        return self._address

    def sign_digest(self, digest: bytes) -> tuple[int, int, int]:
        signature = self._key.sign_msg_hash(digest)
        v, r, s = signature.vrs
        return int(v), int(r), int(s)

    def __repr__(self) -> str:  # never the key itself, not even in a traceback's locals
        return f"LocalSigner({self._address})"


class KmsSigner:
    """An AWS KMS asymmetric key of spec ECC_SECG_P256K1, usage SIGN_VERIFY. KMS signs the digest
    as given (MessageType=DIGEST) and answers DER with any s and no recovery id: s is folded into
    the lower half, and v is found by recovering each candidate against the key's public key."""

    def __init__(self, key_id: str, kms_client: Any) -> None:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec

        self.key_id = key_id
        self._kms = kms_client
        answer = kms_client.get_public_key(KeyId=key_id)
        if answer.get("KeySpec", answer.get("CustomerMasterKeySpec")) != "ECC_SECG_P256K1":
            raise SigningError(f"KMS key {key_id} is not an ECC_SECG_P256K1 key")
        public = serialization.load_der_public_key(answer["PublicKey"])
        if not isinstance(public, ec.EllipticCurvePublicKey) or not isinstance(public.curve, ec.SECP256K1):
            raise SigningError(f"KMS key {key_id} is not a secp256k1 key")
        point = public.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        self._public_key = point[1:]  # drop the 0x04 marker: Ethereum hashes x || y
        self._address = address_of_public_key(self._public_key)

    @property
    def address(self) -> str:
        return self._address

    def sign_digest(self, digest: bytes) -> tuple[int, int, int]:
        from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

        if len(digest) != 32:
            raise ValueError("the digest must be 32 bytes")
        answer = self._kms.sign(KeyId=self.key_id, Message=digest, MessageType="DIGEST",
                                SigningAlgorithm="ECDSA_SHA_256")
        r, s = decode_dss_signature(answer["Signature"])
        if s > SECP256K1_N // 2:
            s = SECP256K1_N - s  # (r, n - s) is the same signature with the other y parity
        for v in (0, 1):
            if _recover(digest, v, r, s) == self._public_key:
                return v, r, s
        raise SigningError(f"the signature from KMS key {self.key_id} does not recover to its public key")


def signer_from_env() -> Signer:
    """CHAIN_SIGNER_KMS_KEY_ID's KMS key; under STAGE=local only, CHAIN_SIGNER_PRIVATE_KEY or the
    in-process chain's funded key. Anywhere else without a KMS key: SettingsError."""
    from veriflow.chain.hashing import from_hex
    from veriflow.chain.settings import get_chain_settings
    from veriflow.core.settings import SettingsError

    settings = get_chain_settings()
    if settings.chain_signer_kms_key_id:
        from veriflow.core.aws import client

        return KmsSigner(settings.chain_signer_kms_key_id, client("kms"))
    if settings.stage != "local":
        raise SettingsError("CHAIN_SIGNER_KMS_KEY_ID", f"required for STAGE={settings.stage}: "
                            "outside STAGE=local transactions are signed by a KMS key, never a raw one")
    if settings.chain_signer_private_key is not None:
        try:
            return LocalSigner(from_hex(settings.chain_signer_private_key.get_secret_value(), 32))
        except ValueError:
            raise SettingsError("CHAIN_SIGNER_PRIVATE_KEY", "must be 32 bytes of 0x-prefixed hex") from None
    if settings.chain_rpc_url:
        raise SettingsError("CHAIN_SIGNER_PRIVATE_KEY", "a key funded on CHAIN_RPC_URL's chain is needed there")
    return LocalSigner(LOCAL_SIGNER_KEY)
