"""Issuing a certificate: its image through the presigned POST, checked when it lands."""

from __future__ import annotations

from typing import Any

from tests.functional.certificates.conftest import certificate_image, fields, post_image, queued
from veriflow.local import LocalCloud


def test_an_issued_certificate_is_accepted_when_its_image_lands(
    api: Any, issuer: Any, local_cloud: LocalCloud,
) -> None:
    # GIVEN an issuer of an organization
    owner, org_id = issuer
    # WHEN it issues a certificate and posts the image with the presigned POST it got
    issued = api("POST", "/v1/certificates", owner, json_body={"org_id": str(org_id), **fields()})
    assert issued["statusCode"] == 201, issued["json"]
    body = issued["json"]
    assert body["certificate"]["status"] == "awaiting_image"
    assert post_image(body["upload"], certificate_image()) in (200, 204)
    # THEN the image function accepted it: hashes and the canonical document are stored
    got = api("GET", f"/v1/certificates/{body['certificate']['id']}", owner)["json"]
    assert got["status"] == "issued", got
    assert len(got["image_sha256"]) == 64
    assert len(got["document_sha256"]) == 64
    assert got["recipient_email"] == "ada@example.org"
    # AND the organization's webhook and the recipient's email are queued
    templates = sorted(m["template"] for m in queued(local_cloud))
    assert templates == ["certificate.issued", "certificates.issued"]
