"""Password hashing with argon2id and the password policy."""

from __future__ import annotations

import time

import pytest

from veriflow.core.settings import SettingsError
from veriflow.identity import passwords
from veriflow.identity.passwords import (
    SAME_AS_EMAIL,
    TOO_COMMON,
    TOO_LONG,
    TOO_SHORT,
    check_password,
    hash_password,
    needs_rehash,
    verify_password,
    verify_unknown_user,
)
from veriflow.identity.settings import get_auth_settings

# These tests are about hashing: the configured parameters, not the suite's cheap ones.
pytestmark = pytest.mark.real_argon2

GOOD = "correct horse battery staple"


def test_hash_is_argon2id_with_the_owasp_parameters_by_default() -> None:
    # WHEN a password is hashed with the default settings
    digest = hash_password(GOOD)
    # THEN it is an argon2id PHC string with m=19456 KiB, t=2, p=1 and a salt
    assert digest.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert hash_password(GOOD) != digest


def test_verify_accepts_the_password_and_refuses_others() -> None:
    digest = hash_password(GOOD)
    assert verify_password(digest, GOOD) is True
    assert verify_password(digest, GOOD + "!") is False
    assert verify_password(digest, "") is False


@pytest.mark.parametrize("bad_hash", ["", "not a hash", "$argon2id$v=19$m=19456,t=2,p=1$AAAA$BBBB", "$2b$12$abc"])
def test_verify_never_raises_on_an_invalid_hash(bad_hash: str) -> None:
    assert verify_password(bad_hash, GOOD) is False


def test_passwords_are_compared_after_nfkc_normalisation() -> None:
    # GIVEN a password with a composed é  WHEN the decomposed form is typed  THEN it matches
    digest = hash_password("caf\u00e9 au lait tous les jours")
    assert verify_password(digest, "cafe\u0301 au lait tous les jours") is True


def test_needs_rehash_when_parameters_grow(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a hash made with the defaults
    digest = hash_password(GOOD)
    assert needs_rehash(digest) is False
    # WHEN the configured time cost grows
    monkeypatch.setenv("ARGON2_TIME_COST", "3")
    get_auth_settings.cache_clear()
    passwords.reset_password_caches()
    # THEN the old hash needs a rehash, still verifies, and the new one carries t=3
    assert needs_rehash(digest) is True
    assert verify_password(digest, GOOD) is True
    assert ",t=3," in hash_password(GOOD)
    assert needs_rehash("garbage") is True


@pytest.mark.parametrize(("name", "value"), [("ARGON2_MEMORY_KIB", "8192"), ("ARGON2_TIME_COST", "1")])
def test_weaker_parameters_than_owasp_are_refused(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as excinfo:
        get_auth_settings()
    assert excinfo.value.setting == name


def test_unknown_user_costs_about_as_much_as_a_real_verification() -> None:
    # GIVEN a real account's hash and the dummy hash already made
    digest = hash_password(GOOD)
    passwords.prepare_dummy_hash()

    best = {"real": float("inf"), "unknown": float("inf")}
    calls = {"real": lambda: verify_password(digest, "wrong password here"),
             "unknown": lambda: verify_unknown_user("wrong password here")}
    # WHEN both paths are timed in turns (so load from other processes hits both alike)
    for _ in range(5):
        for name, call in calls.items():
            started = time.perf_counter()
            call()
            best[name] = min(best[name], time.perf_counter() - started)
    real, unknown = best["real"], best["unknown"]
    # THEN the unknown user always fails, in a comparable time (a loose bound: CI machines are noisy)
    assert verify_unknown_user(GOOD) is False
    assert 0.5 < unknown / real < 2.0


def test_dummy_hash_is_made_once_per_process() -> None:
    passwords.prepare_dummy_hash()
    first = passwords._dummy_hash()
    verify_unknown_user("anything at all")
    assert passwords._dummy_hash() is first


@pytest.mark.parametrize(
    ("password", "problems"),
    [
        ("short", [TOO_SHORT]),
        ("x" * 11, [TOO_SHORT]),
        ("a good long pass", []),
        ("p" * 128, []),
        ("p" * 129, [TOO_LONG]),
        # 12 characters once NFKC turns the full-width letters into ASCII
        ("\uff41\uff42\uff43\uff44efghijkl", []),
        # a ligature counts as the two letters it stands for
        ("\ufb01" + "x" * 10, []),
    ],
)
def test_length_is_counted_in_code_points_after_nfkc(password: str, problems: list[str]) -> None:
    assert check_password(password) == problems


def test_emoji_and_non_latin_passwords_are_fine() -> None:
    assert check_password("пароль-для-меня-🙂") == []


@pytest.mark.parametrize("common", ["1qaz2wsx3edc", "qwerty123456", "QWERTY123456", "password1234"])
def test_common_passwords_are_refused(common: str) -> None:
    assert TOO_COMMON in check_password(common)


def test_short_common_passwords_report_both_problems() -> None:
    assert check_password("password") == [TOO_SHORT, TOO_COMMON]


def test_password_equal_to_email_or_its_local_part_is_refused() -> None:
    email = "Jane.Doe.Writer@Example.com"
    assert check_password("jane.doe.writer@example.com", email=email) == [SAME_AS_EMAIL]
    assert check_password("JANE.DOE.WRITER", email=email) == [SAME_AS_EMAIL]
    assert check_password("jane.doe.writer!", email=email) == []


def test_no_composition_rules() -> None:
    assert check_password("all lower case words here") == []


def test_the_common_list_ships_in_the_package() -> None:
    common = passwords._common_passwords()
    assert len(common) > 19_000
    assert "password" in common
