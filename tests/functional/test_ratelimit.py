"""Rate limits: atomic in DynamoDB, per window, with Retry-After and RateLimit-* headers."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import boto3
import pytest
from moto import mock_aws

from veriflow.core.errors import TooManyRequests
from veriflow.core.ratelimit import Decision, Limit, enforce, hit
from veriflow.core.settings import SettingsError

LOGIN = Limit("login", limit=3, window_s=60)


@pytest.fixture
def table(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    with mock_aws():
        boto3.client("dynamodb").create_table(
            TableName="rate-limits",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        monkeypatch.setenv("RATE_LIMIT_TABLE", "rate-limits")
        yield "rate-limits"


def test_allows_up_to_the_limit_then_refuses_until_the_window_ends(table: str) -> None:
    # GIVEN a window that started 10 s ago
    now = 600.0 + 10
    decisions = [hit(LOGIN, "203.0.113.7", now=now) for _ in range(4)]
    # THEN three pass with a falling remainder, the fourth is refused for the 50 s left
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert [d.remaining for d in decisions] == [2, 1, 0, 0]
    assert decisions[-1].reset_s == 50
    # AND the next window starts afresh; other keys were never affected
    assert hit(LOGIN, "203.0.113.7", now=660.0).allowed
    assert hit(LOGIN, "198.51.100.9", now=now).allowed


def test_counters_expire_by_ttl(table: str) -> None:
    hit(LOGIN, "203.0.113.7", now=610.0)
    item = boto3.client("dynamodb").scan(TableName=table)["Items"][0]
    assert int(item["expires_at"]["N"]) == 660 + 60


def test_refusal_is_429_with_retry_after_and_ratelimit_headers(table: str) -> None:
    for _ in range(3):
        enforce(LOGIN, "203.0.113.7")
    with pytest.raises(TooManyRequests) as refused:
        enforce(LOGIN, "203.0.113.7")
    assert refused.value.status == 429
    headers = refused.value.headers
    assert headers["RateLimit-Limit"] == "3"
    assert headers["RateLimit-Remaining"] == "0"
    assert int(headers["Retry-After"]) == int(headers["RateLimit-Reset"]) > 0


@contextmanager
def serialised_moto() -> Iterator[None]:
    """moto's in-process DynamoDB is not atomic across threads: serialise its request handling so
    the test measures our conditional write, not moto's races."""
    from moto.core.botocore_stubber import BotocoreStubber

    lock = threading.Lock()
    original = BotocoreStubber.__call__

    def locked(self: BotocoreStubber, *args: object, **kwargs: object) -> object:
        with lock:
            return original(self, *args, **kwargs)

    BotocoreStubber.__call__ = locked  # type: ignore[method-assign]
    try:
        yield
    finally:
        BotocoreStubber.__call__ = original  # type: ignore[method-assign]


def test_concurrent_hits_admit_exactly_the_limit(table: str) -> None:
    # GIVEN 40 simultaneous hits on a limit of 10
    limit = Limit("burst", limit=10, window_s=3600)
    with serialised_moto(), ThreadPoolExecutor(max_workers=8) as pool:
        decisions: list[Decision] = list(pool.map(lambda _: hit(limit, "k", now=7200.0), range(40)))
    # THEN exactly 10 were admitted
    assert sum(d.allowed for d in decisions) == 10


def test_missing_table_setting_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RATE_LIMIT_TABLE", raising=False)
    with pytest.raises(SettingsError, match="RATE_LIMIT_TABLE"):
        hit(LOGIN, "x")
