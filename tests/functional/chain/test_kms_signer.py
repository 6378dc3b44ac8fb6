"""Anchors signed by an AWS KMS secp256k1 key (moto): the address is the key's, signatures recover
to it, and the in-process chain accepts the transactions.

moto signs what it is given with ECDSA over SHA-256 of it, even with MessageType=DIGEST, where AWS
signs the digest itself. The `kms_signs_digests` fixture makes moto do what AWS does, in these tests
only; test_moto_still_hashes_digests_again fails the day moto does it by itself."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed, decode_dss_signature
from eth_keys.datatypes import PublicKey, Signature
from moto import mock_aws
from moto.kms.responses import KmsResponse

from veriflow.chain.anchoring import AnchorSender
from veriflow.chain.hashing import keccak256
from veriflow.chain.local_chain import LocalChain
from veriflow.chain.settings import get_chain_settings
from veriflow.chain.signer import SECP256K1_N, KmsSigner, SigningError, signer_from_env


@pytest.fixture
def kms() -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("kms", region_name="us-east-1")


@pytest.fixture
def key_id(kms: Any) -> str:
    return str(kms.create_key(KeySpec="ECC_SECG_P256K1", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"])


@pytest.fixture
def kms_signs_digests(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """moto's Sign, with MessageType=DIGEST signing the digest as given (as AWS does). Returns the
    raw s values KMS handed out, so a test can see both halves were folded."""
    original = KmsResponse.sign
    raw_s: list[int] = []

    def sign(self: Any) -> str:
        if self._get_param("MessageType") != "DIGEST":
            return str(original(self))
        key = self.kms_backend.describe_key(self._get_param("KeyId"))
        der = key.private_key.private_key.sign(self._get_param("Message"), ec.ECDSA(Prehashed(hashes.SHA256())))
        raw_s.append(decode_dss_signature(der)[1])
        return json.dumps({"KeyId": key.arn, "Signature": base64.b64encode(der).decode(),
                           "SigningAlgorithm": self._get_param("SigningAlgorithm")})

    monkeypatch.setattr(KmsResponse, "sign", sign)
    return raw_s


def _address_from_kms(kms: Any, key_id: str) -> str:
    """The key's address worked out apart from KmsSigner: eth-keys over the X9.62 point."""
    public = serialization.load_der_public_key(kms.get_public_key(KeyId=key_id)["PublicKey"])
    point = public.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return str(PublicKey(point[1:]).to_checksum_address())


def test_moto_still_hashes_digests_again(kms: Any, key_id: str) -> None:
    # GIVEN moto as released (no shim)  WHEN a digest is signed
    # THEN the signature is over SHA-256 of the digest, so it recovers to no key of ours: the shim is needed
    with pytest.raises(SigningError, match="does not recover"):
        KmsSigner(key_id, kms).sign_digest(keccak256(b"anything"))


def test_signatures_recover_to_the_kms_keys_address_with_s_in_the_lower_half(
        kms: Any, key_id: str, kms_signs_digests: list[int]) -> None:
    # GIVEN a KMS signer
    signer = KmsSigner(key_id, kms)
    # THEN its address is the key's
    assert signer.address == _address_from_kms(kms, key_id)
    # WHEN it signs twenty digests  THEN each recovers to that address, with a low s and v in {0, 1}
    for i in range(20):
        digest = keccak256(f"tx-{i}".encode())
        v, r, s = signer.sign_digest(digest)
        assert v in (0, 1)
        assert s <= SECP256K1_N // 2
        recovered = Signature(vrs=(v, r, s)).recover_public_key_from_msg_hash(digest)
        assert recovered.to_checksum_address() == signer.address
    # and KMS did hand out high s values that were folded (about half of them)
    assert any(s > SECP256K1_N // 2 for s in kms_signs_digests)


def test_a_kms_signed_anchor_is_accepted_by_the_chain(
        chain: LocalChain, kms: Any, key_id: str, kms_signs_digests: list[int]) -> None:
    # GIVEN the KMS key's address funded on the in-process chain
    signer = KmsSigner(key_id, kms)
    chain.tester.send_transaction({"from": chain.tester.get_accounts()[0], "to": signer.address,
                                   "value": 10**18, "gas": 21_000})
    # WHEN an anchor is signed through KMS and broadcast
    sender = AnchorSender(chain.w3, signer, chain.contract_address, chain.chain_id)
    signed = sender.prepare(b"\x11" * 32, b"\x22" * 32)
    sender.broadcast(signed.raw_tx)
    # THEN the chain mined it, and the event's sender is the KMS key's address
    (event,) = chain.reader().anchored(signed.tx_hash, chain.contract_address)
    assert event.sender == signer.address == signed.sender


def test_the_environment_names_the_kms_key(monkeypatch: pytest.MonkeyPatch, kms: Any, key_id: str) -> None:
    # GIVEN CHAIN_SIGNER_KMS_KEY_ID in a deployed stage
    monkeypatch.setenv("STAGE", "prod")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:a-real-password@db.example/veriflow")
    monkeypatch.setenv("CHAIN_SIGNER_KMS_KEY_ID", key_id)
    get_chain_settings.cache_clear()
    # WHEN the signer is built  THEN it is that KMS key's (through the shared AWS client)
    signer = signer_from_env()
    get_chain_settings.cache_clear()
    assert isinstance(signer, KmsSigner)
    assert signer.address == _address_from_kms(kms, key_id)


def test_a_key_of_another_curve_is_refused(kms: Any) -> None:
    # GIVEN a NIST P-256 key (not Ethereum's curve)  WHEN a signer is made of it  THEN refused
    other = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    with pytest.raises(SigningError, match="ECC_SECG_P256K1"):
        KmsSigner(other, kms)
