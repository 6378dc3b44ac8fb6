"""Password hashing (argon2id) and the password policy.

Passwords are NFKC-normalised before hashing and verifying, so the same password typed on two
keyboards (composed or decomposed accents, full-width digits) is the same password.
"""

from __future__ import annotations

import gzip
import unicodedata
from functools import cache, lru_cache
from importlib.resources import files
from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from veriflow.core.errors import FieldError, field_error
from veriflow.identity.settings import get_auth_settings

if TYPE_CHECKING:
    from argon2 import PasswordHasher

MIN_LENGTH = 12
MAX_LENGTH = 128

# Problem codes check_password returns (stable: clients may map them to messages).
TOO_SHORT = "password_too_short"
TOO_LONG = "password_too_long"
TOO_COMMON = "password_too_common"
SAME_AS_EMAIL = "password_same_as_email"
_PROBLEM_MESSAGES = {
    TOO_SHORT: f"The password needs at least {MIN_LENGTH} characters.",
    TOO_LONG: f"The password may have at most {MAX_LENGTH} characters.",
    TOO_COMMON: "The password is one of the most common ones.",
    SAME_AS_EMAIL: "The password may not be the account's email address.",
}

# The policy (length, common passwords) is checked by the service; this only bounds the input.
Password = Annotated[str, Field(min_length=1, max_length=1024)]
# A password being set: 12 to 128 characters as sent (the schema), then the policy (12 to 128 once
# NFKC-normalised, not common, not the account's email), each refusal a 422 with its rule.
NewPassword = Annotated[str, Field(min_length=MIN_LENGTH, max_length=MAX_LENGTH, json_schema_extra={
    "format": "password", "description": "12 to 128 characters; not a common password, not the account's email."})]

_DUMMY_PASSWORD = "veriflow-dummy-password-for-unknown-users"  # noqa: S105 (hashed, never accepted)


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    from argon2 import PasswordHasher, Type

    settings = get_auth_settings()
    return PasswordHasher(
        time_cost=settings.argon2_time_cost,
        memory_cost=settings.argon2_memory_kib,
        parallelism=settings.argon2_parallelism,
        hash_len=32,
        salt_len=16,
        type=Type.ID,
    )


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    # Made once per process with the current parameters, so it costs what a real account costs.
    return _hasher().hash(_DUMMY_PASSWORD)


def _normalise(password: str) -> str:
    return unicodedata.normalize("NFKC", password)


def hash_password(password: str) -> str:
    """An argon2id hash (PHC string) of `password` with the configured parameters."""
    return _hasher().hash(_normalise(password))


def verify_password(password_hash: str, password: str) -> bool:
    """True when `password` matches `password_hash`; False on mismatch or an invalid hash, never raises."""
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return _hasher().verify(password_hash, _normalise(password))
    except (VerificationError, InvalidHashError, ValueError, TypeError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with other parameters than the configured ones (rehash on login)."""
    from argon2.exceptions import InvalidHashError

    try:
        return _hasher().check_needs_rehash(password_hash)
    except (InvalidHashError, ValueError):
        return True


def verify_unknown_user(password: str) -> bool:
    """Spends the time of one verification against a dummy hash; always False.

    Login calls it when no account has the email, so response time does not reveal which exist.
    """
    verify_password(_dummy_hash(), password)
    return False


def prepare_dummy_hash() -> None:
    """Makes the dummy hash now (at start-up), so the first unknown-user login is not slower."""
    _dummy_hash()


@cache
def _common_passwords() -> frozenset[str]:
    data = files("veriflow.identity").joinpath("data", "common-passwords.txt.gz").read_bytes()
    lines = gzip.decompress(data).decode().splitlines()
    return frozenset(line.strip() for line in lines if line.strip())


def password_errors(field: str, problems: list[str]) -> list[FieldError]:
    """The 422 details for `check_password`'s problems with the body field `field`."""
    return [field_error(("body", field), _PROBLEM_MESSAGES[problem], problem) for problem in problems]


def check_password(password: str, *, email: str | None = None) -> list[str]:
    """The policy problems of a new password, as codes; an empty list means it is acceptable.

    Length is counted in code points after NFKC normalisation (12 to 128). The most common
    passwords and the account's email (or its local part) are refused. No composition rules.
    """
    normalised = _normalise(password)
    problems: list[str] = []
    if len(normalised) < MIN_LENGTH:
        problems.append(TOO_SHORT)
    elif len(normalised) > MAX_LENGTH:
        problems.append(TOO_LONG)
    folded = normalised.casefold()
    if folded in _common_passwords() or folded.strip() in _common_passwords():
        problems.append(TOO_COMMON)
    if email:
        address = _normalise(email).strip().casefold()
        local_part = address.rsplit("@", 1)[0]
        if folded in {address, local_part}:
            problems.append(SAME_AS_EMAIL)
    return problems


def reset_password_caches() -> None:
    """Forget the hasher and dummy hash (tests that change the argon2 settings)."""
    _hasher.cache_clear()
    _dummy_hash.cache_clear()
