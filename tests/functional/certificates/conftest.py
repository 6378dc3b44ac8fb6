"""The certificates group on the whole template in moto: the API function, the images bucket and
its trigger (the images function, run in-process), the notifications queue; images made here."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from PIL import Image, ImageDraw

from tests.conftest import reset_identity_caches
from tests.functional.conftest import Actor, Identity, whole_template
from veriflow.certificates.settings import get_certificate_settings
from veriflow.chain.local_chain import LocalChain, local_chain, reset_local_chain
from veriflow.chain.settings import get_chain_settings
from veriflow.core.aws import client
from veriflow.identity import issuer as issuer_module
from veriflow.identity.dns_txt import DnsUnavailable, NoTxtRecord
from veriflow.local import LocalCloud
from veriflow.notifications.render import reset_render_cache

ROOT = Path(__file__).resolve().parents[3]


def _reset() -> None:
    reset_identity_caches()
    get_certificate_settings.cache_clear()
    reset_render_cache()


def _certificates_env(cloud: LocalCloud) -> dict[str, str]:
    environment = cloud.functions["CertificatesApiFunction"].environment()
    return {name: environment[name] for name in ("CERTIFICATE_IMAGES_BUCKET", "PUBLIC_API_URL")}


local_cloud, template_resources, identity_resources = whole_template(_reset, _certificates_env)


def certificate_image(text: str = "Ada Lovelace", *, kind: str = "JPEG", size: tuple[int, int] = (1200, 850)) -> bytes:
    """A certificate-like picture: border, title band, a name."""
    image = Image.new("RGB", size, (250, 248, 240))
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, size[0] - 20, size[1] - 20), outline=(30, 60, 120), width=12)
    draw.rectangle((80, 90, size[0] - 80, 200), fill=(30, 60, 120))
    draw.text((size[0] // 3, size[1] // 2), text, fill=(10, 10, 10))
    buffer = io.BytesIO()
    image.save(buffer, kind, **({"quality": 88} if kind == "JPEG" else {}))
    return buffer.getvalue()


def post_image(upload: dict[str, Any], data: bytes, content_type: str | None = None) -> int:
    """What a browser does with the presigned POST: the policy's fields, then the file."""
    fields = dict(upload["fields"])
    if content_type is not None:
        fields["Content-Type"] = content_type
    response = requests.post(upload["url"], data=fields, files={"file": ("certificate", data)}, timeout=10)
    return response.status_code


def fields(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "recipient_name": "Ada Lovelace", "recipient_email": "Ada@Example.org", "title": "Analytical Engines 101",
        "description": "Completed the course.", "issued_at": "2026-11-30T10:00:00+01:00",
        "expires_at": "2029-11-30T10:00:00Z", "metadata": {"grade": "A", "hours": 40},
        "image_type": "image/jpeg",
    }
    body.update(overrides)
    return body


@pytest.fixture
def issuer(identity: Identity) -> tuple[Actor, Any]:
    owner = identity.user()
    return owner, identity.org(owner, "Acme Academy")


@pytest.fixture
def chain() -> Iterator[LocalChain]:
    """The in-process chain the anchoring function and public verification both use, as at start-up."""
    get_chain_settings.cache_clear()
    reset_local_chain()
    yield local_chain()
    reset_local_chain()
    get_chain_settings.cache_clear()


class FakeDns:
    """TXT records by name; `down` makes every lookup fail as an unreachable server would."""

    def __init__(self) -> None:
        self.records: dict[str, list[str]] = {}
        self.down = False

    def txt(self, name: str) -> list[str]:
        if self.down:
            raise DnsUnavailable(f"{name}: no name server answered")
        if name not in self.records:
            raise NoTxtRecord(name)
        return self.records[name]


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> FakeDns:
    """The issuer check's name server: never the real DNS."""
    fake = FakeDns()
    monkeypatch.setattr(issuer_module, "resolver_factory", lambda: fake)
    return fake


def issue_accepted(api: Any, actor: Actor, org_id: Any, **overrides: Any) -> dict[str, Any]:
    """A certificate issued and its image accepted; returns the certificate."""
    issued = api("POST", "/v1/certificates", actor, json_body={"org_id": str(org_id), **fields(**overrides)})
    assert issued["statusCode"] == 201, issued["json"]
    post_image(issued["json"]["upload"], certificate_image(overrides.get("recipient_name", "Ada Lovelace")))
    got = api("GET", f"/v1/certificates/{issued['json']['certificate']['id']}", actor)["json"]
    assert got["document_sha256"] is not None, got
    return dict(got)


def anchor(cloud: LocalCloud) -> dict[str, Any]:
    """One run of the anchoring function: its EventBridge schedule fired, as the local cloud's
    scheduler does when the rule is due."""
    [result] = cloud.fire_schedule("AnchorBatchFunction").results
    assert result["ok"], result
    return dict(result["result"])


def queued(cloud: LocalCloud) -> list[dict[str, Any]]:
    """Every message on the notifications queue, removed from it."""
    sqs = client("sqs")
    url = str(cloud.resources["NotificationsQueue"].url)
    found: list[dict[str, Any]] = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for message in batch:
            found.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return found
