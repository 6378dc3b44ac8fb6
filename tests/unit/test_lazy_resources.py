"""Engines, clients and settings come into being on first use, once, and honour the environment."""

from __future__ import annotations

import subprocess
import sys

import pytest

from veriflow.core import aws, db
from veriflow.core.settings import get_settings


def test_importing_core_creates_nothing() -> None:
    # GIVEN a fresh interpreter  WHEN the core modules are imported
    probe = (
        "import veriflow.core.db as db, veriflow.core.aws as aws, veriflow.core.settings as s;"
        "print(db._engine is None, len(aws._clients), s.get_settings.cache_info().currsize)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    # THEN no engine, client or settings object exists yet
    assert out.split() == ["True", "0", "0"]


def test_engine_is_created_once_and_reused() -> None:
    first = db.get_engine()
    assert db.get_engine() is first
    assert first.url.get_backend_name() == "sqlite"


def test_clients_honour_aws_endpoint_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4999")
    get_settings.cache_clear()
    aws.reset_clients()
    sqs = aws.client("sqs")
    assert sqs.meta.endpoint_url == "http://127.0.0.1:4999"
    assert aws.client("sqs") is sqs


def test_clients_use_the_regional_endpoint_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    get_settings.cache_clear()
    assert aws.client("s3").meta.region_name == "eu-west-1"
    assert "127.0.0.1" not in aws.client("s3").meta.endpoint_url


def test_clients_share_one_session_until_reset() -> None:
    # GIVEN two services' clients  THEN they come from one session (one credential lookup)
    aws.reset_clients()
    first = aws.client("sqs")
    assert aws.client("s3")._request_signer._credentials is first._request_signer._credentials
    assert aws.dedicated_client("sqs", None) is not first
    # WHEN the clients are reset (a copy resumed from a snapshot)  THEN the next client has a new
    # session, which looks its credentials up again
    aws.reset_clients()
    renewed = aws.client("sqs")
    assert renewed is not first
    assert renewed._request_signer._credentials is not first._request_signer._credentials
