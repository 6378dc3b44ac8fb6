"""Opaque tokens: random, URL-safe, stored as SHA-256 digests."""

from __future__ import annotations

import hashlib
import re

import pytest

from veriflow.identity.opaque import constant_time_equals, hash_token, new_token, token_matches


def test_new_token_is_urlsafe_with_256_bits_and_its_digest() -> None:
    # WHEN a token is made
    plaintext, digest = new_token()
    # THEN the plaintext is 43 URL-safe characters (32 bytes) and the digest its SHA-256 hex
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", plaintext)
    assert digest == hashlib.sha256(plaintext.encode()).hexdigest() == hash_token(plaintext)


def test_prefix_is_kept_and_covered_by_the_digest() -> None:
    plaintext, digest = new_token("vf_live_")
    assert plaintext.startswith("vf_live_")
    assert len(plaintext) == len("vf_live_") + 43
    assert hash_token(plaintext.removeprefix("vf_live_")) != digest


def test_tokens_do_not_repeat() -> None:
    assert len({new_token()[0] for _ in range(1000)}) == 1000


@pytest.mark.parametrize("prefix", ["a b", "é_", "x/", "key."])
def test_prefix_must_be_urlsafe(prefix: str) -> None:
    with pytest.raises(ValueError, match="URL-safe"):
        new_token(prefix)


def test_matching_is_by_digest() -> None:
    plaintext, digest = new_token("rt_")
    assert token_matches(plaintext, digest) is True
    assert token_matches(plaintext + "x", digest) is False
    assert constant_time_equals("abc", "abc") is True
    assert constant_time_equals("abc", "abd") is False
    assert constant_time_equals("abc", "abcd") is False
