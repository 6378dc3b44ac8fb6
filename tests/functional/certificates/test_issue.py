"""Issuing a certificate: its image through the presigned POST, checked when it lands."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import quote_plus

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


def test_a_hostile_image_leaves_the_certificate_waiting_with_the_reason(
    api: Any, issuer: Any, local_cloud: LocalCloud,
) -> None:
    # GIVEN a certificate waiting for its image
    owner, org_id = issuer
    issued = api("POST", "/v1/certificates", owner, json_body={"org_id": str(org_id), **fields()})["json"]
    certificate_id = issued["certificate"]["id"]
    # WHEN a JPEG with a ZIP appended (a polyglot) lands
    post_image(issued["upload"], certificate_image() + b"PK\x03\x04" + b"\x00" * 64)
    # THEN it is refused: the certificate waits, saying why, and nothing is announced
    got = api("GET", f"/v1/certificates/{certificate_id}", owner)["json"]
    assert got["status"] == "awaiting_image"
    assert got["image_rejection"].startswith("trailing_data:")
    assert got["document_sha256"] is None
    assert queued(local_cloud) == []
    # AND a new upload with a good image is accepted
    upload = api("POST", f"/v1/certificates/{certificate_id}/image", owner)
    assert upload["statusCode"] == 201, upload["json"]
    post_image(upload["json"], certificate_image())
    accepted = api("GET", f"/v1/certificates/{certificate_id}", owner)["json"]
    assert accepted["status"] == "issued"
    assert accepted["image_rejection"] is None
    # AND once accepted, no further upload is offered
    assert api("POST", f"/v1/certificates/{certificate_id}/image", owner)["statusCode"] == 409


def test_a_png_declared_as_jpeg_is_refused(api: Any, issuer: Any) -> None:
    owner, org_id = issuer
    issued = api("POST", "/v1/certificates", owner, json_body={"org_id": str(org_id), **fields()})["json"]
    post_image(issued["upload"], certificate_image(kind="PNG"))
    got = api("GET", f"/v1/certificates/{issued['certificate']['id']}", owner)["json"]
    assert got["status"] == "awaiting_image"
    assert got["image_rejection"].startswith("type_mismatch:")


def test_the_upload_policy_fixes_key_type_and_size(api: Any, issuer: Any) -> None:
    # GIVEN a presigned POST for a PNG certificate
    owner, org_id = issuer
    issued = api("POST", "/v1/certificates", owner,
                 json_body={"org_id": str(org_id), **fields(image_type="image/png")})["json"]
    # THEN its policy names the key, the content type and the size range
    policy = json.loads(base64.b64decode(issued["upload"]["fields"]["policy"]))
    conditions = policy["conditions"]
    assert {"Content-Type": "image/png"} in conditions
    assert ["content-length-range", 1, issued["upload"]["max_bytes"]] in conditions
    assert {"key": issued["upload"]["fields"]["key"]} in conditions
    assert issued["upload"]["fields"]["key"].startswith(f"incoming/{org_id}/{issued['certificate']['id']}/")


def test_a_duplicate_s3_event_changes_nothing(api: Any, issuer: Any, local_cloud: LocalCloud) -> None:
    # GIVEN an accepted certificate
    owner, org_id = issuer
    issued = api("POST", "/v1/certificates", owner, json_body={"org_id": str(org_id), **fields()})["json"]
    post_image(issued["upload"], certificate_image())
    first = api("GET", f"/v1/certificates/{issued['certificate']['id']}", owner)["json"]
    queued(local_cloud)
    # WHEN S3 delivers the same event again
    bucket = local_cloud.functions["CertificatesApiFunction"].environment()["CERTIFICATE_IMAGES_BUCKET"]
    event = {"Records": [{"s3": {"bucket": {"name": bucket},
                                 "object": {"key": quote_plus(issued["upload"]["fields"]["key"], safe="/")}}}]}
    result = local_cloud.invoke("CertificateImagesFunction", event)
    # THEN it is ignored: same document, nothing announced twice
    assert result["outcomes"] == ["ignored"]
    again = api("GET", f"/v1/certificates/{issued['certificate']['id']}", owner)["json"]
    assert again["document_sha256"] == first["document_sha256"]
    assert queued(local_cloud) == []
