"""Fixed-window rate limits in DynamoDB: one atomic conditional update per hit, expired by TTL."""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass

from botocore.exceptions import ClientError
from fastapi import Response, params

from veriflow.core.aws import client
from veriflow.core.errors import TooManyRequests
from veriflow.core.observability import current_request
from veriflow.core.settings import SettingsError


@dataclass(frozen=True)
class Limit:
    name: str  # e.g. "login"
    limit: int  # hits allowed per window
    window_s: int


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset_s: int  # seconds until the window ends

    def headers(self) -> dict[str, str]:
        headers = {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset_s),
        }
        if not self.allowed:
            headers["Retry-After"] = str(self.reset_s)
        return headers


def _table() -> str:
    name = os.environ.get("RATE_LIMIT_TABLE")
    if not name:
        raise SettingsError("RATE_LIMIT_TABLE", "required for rate limits; the template sets it")
    return name


# The limiter's clock (tests hold it still, so a run never straddles a window's end).
clock = time.time


def hit(limit: Limit, key: str, now: float | None = None) -> Decision:
    """Counts one hit for `key`; refused once the window already holds `limit` hits."""
    now = clock() if now is None else now
    window = int(now // limit.window_s)
    reset_s = max(1, math.ceil((window + 1) * limit.window_s - now))
    item_key = {"pk": {"S": f"{limit.name}#{key}#{window}"}}
    try:
        updated = client("dynamodb").update_item(
            TableName=_table(),
            Key=item_key,
            UpdateExpression="ADD hits :one SET expires_at = if_not_exists(expires_at, :expires)",
            ConditionExpression="attribute_not_exists(hits) OR hits < :limit",
            ExpressionAttributeValues={
                ":one": {"N": "1"},
                ":limit": {"N": str(limit.limit)},
                ":expires": {"N": str((window + 1) * limit.window_s + 60)},
            },
            ReturnValues="UPDATED_NEW",
        )
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
            raise
        return Decision(False, limit.limit, 0, reset_s)
    hits = int(updated["Attributes"]["hits"]["N"])
    return Decision(True, limit.limit, max(0, limit.limit - hits), reset_s)


def enforce(limit: Limit, key: str, response: Response | None = None) -> None:
    """Counts a hit; raises 429 with Retry-After and RateLimit-* headers when over the limit."""
    decision = hit(limit, key)
    if not decision.allowed:
        raise TooManyRequests(
            f"Too many requests; retry in {decision.reset_s} s.",
            details={"limit": limit.limit, "window_s": limit.window_s},
            headers=decision.headers(),
        )
    if response is not None:
        response.headers.update(decision.headers())


def per_ip(limit: Limit | Callable[[], Limit]) -> params.Depends:
    """A route dependency limiting each client IP as API Gateway saw it:
    `@router.post(..., dependencies=[per_ip(LOGIN)])`. A callable limit is read per request,
    so settings are not loaded at import."""

    def dependency(response: Response) -> None:
        current = limit() if callable(limit) else limit
        enforce(current, current_request().ip or "unknown", response)

    return params.Depends(dependency)
