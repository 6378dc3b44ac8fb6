"""The auth stack: the real template on moto, its HTTP API on 127.0.0.1, the database migrated."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from moto import mock_aws

from veriflow.auth import oidc
from veriflow.identity import keys, passwords
from veriflow.identity.flow_settings import get_flow_settings
from veriflow.identity.settings import get_auth_settings
from veriflow.local import MOTO_CONFIG, LocalCloud
from veriflow.local.dev import DEV_PARAMETERS

ROOT = Path(__file__).resolve().parents[3]
PASSWORD = "correct horse battery staple"


def _reset_auth() -> None:
    get_auth_settings.cache_clear()
    get_flow_settings.cache_clear()
    keys.reset_key_cache()
    passwords.reset_password_caches()
    oidc.reset_oidc_caches()


@dataclass
class Stack:
    cloud: LocalCloud
    api: httpx.Client

    def messages(self) -> list[dict[str, Any]]:
        """Everything queued for the notifications worker so far (consumed)."""
        sqs = boto3.client("sqs", region_name="us-east-1")
        url = self.cloud.resources["NotificationsQueue"].url
        found: list[dict[str, Any]] = []
        while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
            found += [json.loads(m["Body"]) for m in batch]
            for m in batch:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        return found

    def token_from(self, template: str) -> str:
        return str(next(m for m in self.messages() if m["template"] == template)["data"]["token"])

    def register(self, email: str = "ada@example.com", password: str = PASSWORD) -> httpx.Response:
        return self.api.post("/v1/auth/register", json={"email": email, "password": password})

    def login(self, email: str = "ada@example.com", password: str = PASSWORD, **extra: Any) -> httpx.Response:
        return self.api.post("/v1/auth/login", json={"email": email, "password": password, **extra})

    def signed_in(self, email: str = "ada@example.com") -> dict[str, Any]:
        assert self.register(email).status_code == 202
        self.api.post("/v1/auth/verify-email", json={"token": self.token_from("auth.verify_email")})
        response = self.login(email)
        assert response.status_code == 200, response.text
        return dict(response.json())


@pytest.fixture
def stack(any_database: str) -> Iterator[Stack]:
    _reset_auth()
    with mock_aws(config=MOTO_CONFIG):  # type: ignore[arg-type]
        cloud = LocalCloud(ROOT / "template.yaml", parameters=DEV_PARAMETERS).deploy()
        server = cloud.http_api()
        base = server.start(port=0)
        try:
            with httpx.Client(base_url=base, timeout=30) as api:
                yield Stack(cloud, api)
        finally:
            server.stop()
            cloud.close()
            _reset_auth()
