"""The registry and chain layers end to end through the local cloud: an issuer issues a certificate
with its image and anchors it; uploads of copies of it (exact, edited and re-saved smaller, a photo
of the print, revoked), and of a document never issued here, go through the whole pipeline."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.fixtures import certificate_images as images
from tests.functional.certificates.conftest import (
    _certificates_env,
    anchor,
    chain,  # noqa: F401 - the in-process chain fixture
    fields,
    post_image,
    queued,
)
from tests.functional.conftest import whole_template
from tests.functional.verification.conftest import _reset, _uploads_env, layer, verified
from veriflow.chain.local_chain import LocalChain
from veriflow.local import LocalCloud


def _env(cloud: LocalCloud) -> dict[str, str]:
    return {**_uploads_env(cloud), **_certificates_env(cloud)}


local_cloud, template_resources, identity_resources = whole_template(_reset, _env)

ORIGINAL = images.certificate(seed=4, size=(1200, 850))


def _issue(api: Any, owner: Any, org_id: Any, made: images.Certificate, **overrides: Any) -> dict[str, Any]:
    body = {"org_id": str(org_id), **fields(recipient_name=made.texts["name"], **overrides)}
    issued = api("POST", "/v1/certificates", owner, json_body=body)
    assert issued["statusCode"] == 201, issued["json"]
    assert post_image(issued["json"]["upload"], images.jpeg_bytes(made.image, 92)) in (200, 204)
    got = api("GET", f"/v1/certificates/{issued['json']['certificate']['id']}", owner)["json"]
    assert got["document_sha256"] is not None, got
    return dict(got)


def _anchored(cloud: LocalCloud, local_chain: LocalChain) -> None:
    """Anchoring runs until the batch is final (the chain's finality two blocks behind its head)."""
    local_chain.finality_lag = 2
    anchor(cloud)
    local_chain.mine(3)
    deadline = time.monotonic() + 30
    while not anchor(cloud).get("final"):
        assert time.monotonic() < deadline
        local_chain.mine(1)


@pytest.fixture
def issued(api: Any, identity: Any, local_cloud: LocalCloud, chain: LocalChain) -> dict[str, Any]:  # noqa: F811
    """An organization (its owner signed in), one anchored certificate of ORIGINAL, and a member of
    the public who checks copies of it."""
    owner = identity.user()
    org_id = identity.org(owner, "Acme Academy")
    certificate = _issue(api, owner, org_id, ORIGINAL)
    _anchored(local_cloud, chain)
    queued(local_cloud)  # the issue's own notifications
    return {"owner": owner, "org_id": org_id, "certificate": certificate, "checker": identity.user()}


def _jpeg(image: Any, quality: int = 90) -> bytes:
    return images.jpeg_bytes(image, quality)


def test_an_exact_copy_matches_its_certificate_and_its_chain_proof(api: Any, issued: dict[str, Any]) -> None:
    # WHEN the very file the issuer registered is uploaded (without saying which certificate it is)
    report = verified(api, issued["checker"], _jpeg(ORIGINAL.image, 92))
    # THEN the registry finds it by its SHA-256 and the chain layer checks its proof on chain
    registry, chain_layer = layer(report, "registry"), layer(report, "chain")
    assert (registry["status"], registry["score"]) == ("ok", 1.0), registry
    assert registry["facts"]["match"] == "exact"
    assert registry["facts"]["certificate_id"] == issued["certificate"]["id"]
    assert (chain_layer["status"], chain_layer["score"]) == ("ok", 1.0), chain_layer
    assert {step["status"] for step in chain_layer["facts"]["steps"].values()} == {"valid"}
    assert report["verdict"] == "authentic", report


def test_an_edited_and_shrunk_copy_is_tampered_located_and_its_issuer_told(
    api: Any, issued: dict[str, Any], local_cloud: LocalCloud,
) -> None:
    # GIVEN the certificate with its recipient's name replaced, re-saved at q70 and 0.7 of its size
    edited, box = images.edit_text(ORIGINAL.image, ORIGINAL.fields["name"], "Grace Hopper")
    forged = images.resave(edited, quality=70, scale=0.7)
    # WHEN it is uploaded as that certificate
    report = verified(api, issued["checker"], _jpeg(forged, 75), certificate_id=issued["certificate"]["id"])
    # THEN the registry layer locates the edit on the issuer's image, and the verdict is tampered
    registry = layer(report, "registry")
    assert (registry["status"], registry["score"], registry["facts"]["match"]) == ("ok", 0.0, "edited"), registry
    [found] = [f for f in registry["findings"] if f["code"] == "registry_edited"]
    assert _overlaps(box, [tuple(r["box_registered"]) for r in registry["facts"]["regions"]]), registry["facts"]
    assert found["severity"] == "strong"
    assert report["verdict"] == "tampered", report
    assert [item["name"] for item in registry["evidence"]] == ["diff"]
    # AND the chain layer has no proof to speak for an altered file
    assert layer(report, "chain")["status"] == "skipped"
    # AND the issuer hears of it, by webhook event and in the app, with where the copy differs
    messages = [m for m in queued(local_cloud) if "tamper_detected" in m["template"]]
    assert sorted(m["template"] for m in messages) == ["certificate.tamper_detected", "certificates.tamper_detected"]
    assert all(m["recipients"]["org_id"] == str(issued["org_id"]) for m in messages)
    assert messages[0]["data"]["regions"]
    assert messages[0]["data"]["certificate_id"] == issued["certificate"]["id"]
    # AND the issuer's members may read the report of the forgery of their certificate
    got = api("GET", f"/v1/verifications/{report['id']}", issued["owner"])
    assert got["statusCode"] == 200, got["json"]
    # AND see where it was altered and the proof, never the uploader's own data (metadata, place)
    assert [item["layer"] for item in got["json"]["layers"]] == ["registry", "chain"]


def test_a_photo_of_the_printed_original_is_not_tampered(api: Any, issued: dict[str, Any]) -> None:
    photo = images.photo_of(ORIGINAL.image, seed=2)
    report = verified(api, issued["checker"], _jpeg(photo, 85), certificate_id=issued["certificate"]["id"])
    registry = layer(report, "registry")
    assert (registry["status"], registry["facts"]["match"]) == ("ok", "pixels"), registry
    assert registry["score"] == 1.0
    assert report["verdict"] != "tampered", report
    assert layer(report, "chain")["status"] == "ok"


def test_a_revoked_certificate_fails_the_registry_layer(api: Any, issued: dict[str, Any]) -> None:
    # GIVEN the issuer revoked the certificate
    certificate_id = issued["certificate"]["id"]
    revoked = api("POST", f"/v1/certificates/{certificate_id}/revoke", issued["owner"],
                  json_body={"reason": "Issued in error."})
    assert revoked["statusCode"] == 200, revoked["json"]
    # WHEN a copy of it is uploaded
    report = verified(api, issued["checker"], _jpeg(ORIGINAL.image, 92))
    # THEN the registry layer fails it, saying why
    registry = layer(report, "registry")
    assert (registry["status"], registry["score"]) == ("ok", 0.0), registry
    [why] = [f for f in registry["findings"] if f["code"] == "registry_revoked"]
    assert "Issued in error." in why["message"]


def test_a_document_never_issued_here_is_skipped_and_judged_by_the_other_layers(
    api: Any, issued: dict[str, Any],
) -> None:
    stranger = images.certificate(seed=9, size=(1200, 850), template=2)
    report = verified(api, issued["checker"], _jpeg(stranger.image, 90))
    registry = layer(report, "registry")
    assert registry["status"] == "skipped"
    assert registry["reason"].startswith("Not issued here")
    assert layer(report, "chain")["status"] == "skipped"
    assert report["verdict"] != "tampered"
    assert report["trust_score"] is not None


def test_a_chain_node_down_is_an_error_that_lowers_confidence_not_the_score(
    api: Any, issued: dict[str, Any], chain: LocalChain,  # noqa: F811
) -> None:
    # GIVEN the report of an exact copy while the node answers
    data = _jpeg(ORIGINAL.image, 92)
    up = verified(api, issued["checker"], data)
    # WHEN the same file is checked while the node is down
    with chain.outage():
        down = verified(api, issued["checker"], data)
    # THEN the chain layer is an error, confidence drops by its weight
    chain_layer = layer(down, "chain")
    assert chain_layer["status"] == "error", chain_layer
    assert "could not be asked" in chain_layer["reason"]
    assert "down" in chain_layer["reason"]
    assert down["confidence"] == pytest.approx(up["confidence"] - 0.1)
    # AND the outage costs the score nothing: the other layers judged alike, and the score is their mean
    ran = [item for item in down["layers"] if item["status"] == "ok"]
    assert {item["layer"]: item["score"] for item in ran} == {
        item["layer"]: item["score"] for item in up["layers"] if item["status"] == "ok" and item["layer"] != "chain"}
    mean = sum(item["weight"] * item["score"] for item in ran) / sum(item["weight"] for item in ran)
    assert down["trust_score"] == round(100 * mean)
    assert down["verdict"] == up["verdict"]


def _overlaps(box: tuple[int, int, int, int], found: list[tuple[int, ...]]) -> bool:
    x0, y0, x1, y1 = box
    return any(a < x1 and c > x0 and b < y1 and d > y0 for a, b, c, d in found)

