"""Checks shared by our access tokens and providers' ID tokens, done here so tests can set the clock."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any, NoReturn

from veriflow.core.errors import Unauthorized

logger = logging.getLogger("veriflow.auth")


def as_utc(moment: datetime | None) -> datetime:
    """`moment` as an aware UTC datetime (now when None); a naive one is taken to be UTC already."""
    if moment is None:
        return datetime.now(UTC)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def refuse(message: str, reason: str) -> NoReturn:
    """Raises Unauthorized with a stable `message`; the precise `reason` is only logged."""
    logger.info("token refused", extra={"reason": reason})
    raise Unauthorized(message)


def _number(claims: dict[str, Any], name: str) -> float | None:
    value = claims.get(name)
    # bool is an int in Python; a JSON `true` is not a time.
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def time_problem(claims: dict[str, Any], now: datetime, leeway_s: float, *, require_nbf: bool) -> str | None:
    """Why exp/nbf/iat make the token unusable at `now` ("expired", ...), or None when they are fine."""
    at = now.timestamp()
    exp, iat, nbf = _number(claims, "exp"), _number(claims, "iat"), _number(claims, "nbf")
    if exp is None or iat is None or (require_nbf and nbf is None) or ("nbf" in claims and nbf is None):
        return "time_claim_missing"
    if exp <= at - leeway_s:
        return "expired"
    if nbf is not None and nbf > at + leeway_s:
        return "not_yet_valid"
    if iat > at + leeway_s:
        return "issued_in_future"
    return None
