"""How the registry layer judges what the comparison found, on generated certificates and the real
comparison: an edit counts against an identified certificate only (the claimed one, or the single
look-alike), another document sharing the layout is not an edit, and an upload unlike the
certificate it claims to be says so."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from PIL import Image

from tests.fixtures import certificate_images as images
from tests.fixtures import forensic_files
from veriflow.core.types import utcnow
from veriflow.forensics.registry_diff import compare
from veriflow.verification.registry import Candidate, Lookup, Registered, assess

SIZE = (900, 636)


def _registered(**overrides: Any) -> Registered:
    values: dict[str, Any] = {
        "id": uuid.uuid4(), "org_id": uuid.uuid4(), "image_key": "issued/x", "phash": None,
        "recipient_name": "Ada Lovelace", "title": "Engines 101", "issued_at": utcnow() - timedelta(days=3),
        "expires_at": None, "revoked_at": None, "revoked_reason": None}
    values.update(overrides)
    return Registered(**values)


def _judge(upload: Image.Image, pairs: list[tuple[Registered, Image.Image, str]], look_alikes: int) -> Any:
    by_id = {record.id: image for record, image, _ in pairs}
    lookup = Lookup([Candidate(record, via, 2) for record, _, via in pairs], look_alikes)  # type: ignore[arg-type]
    return assess(upload, lookup, lambda record: by_id[record.id], compare)


def test_an_edit_of_one_of_several_look_alikes_asks_for_the_certificate_id() -> None:
    # GIVEN two certificates of one template issued here, and one's id altered by a digit, unclaimed
    first, second = images.certificate(seed=1, size=SIZE), images.certificate(seed=2, size=SIZE)
    forged, _ = images.edit_digit(first.image, first.fields["id"], first.texts["id"], first.sizes["id"])
    pairs = [(_registered(), first.image, "phash"), (_registered(), second.image, "phash")]
    # WHEN judged
    result = _judge(images.resave(forged, 85), pairs, look_alikes=2)
    # THEN it is not called an edit of either: the pixels cannot say which one it was made from
    assert result.status == "skipped"
    assert "give the certificate id" in (result.reason or "")


def test_the_same_edit_claimed_as_that_certificate_is_an_altered_copy() -> None:
    first, second = images.certificate(seed=1, size=SIZE), images.certificate(seed=2, size=SIZE)
    forged, _box = images.edit_digit(first.image, first.fields["id"], first.texts["id"], first.sizes["id"])
    claimed = _registered()
    result = _judge(images.resave(forged, 85), [(claimed, first.image, "claimed"),
                                                (_registered(), second.image, "phash")], look_alikes=2)
    assert (result.status, result.score, result.facts["match"]) == ("ok", 0.0, "edited")
    assert result.facts["certificate_id"] == str(claimed.id)
    assert next(f.code for f in result.findings) == "registry_edited"
    assert result.artifacts["diff"].startswith(b"\x89PNG")


def test_another_document_sharing_the_layout_is_not_an_edit() -> None:
    # GIVEN the only look-alike issued here is of another template (same border, logo and seal)
    issued = images.certificate(seed=3, size=SIZE, template=0)
    stranger = images.certificate(seed=8, size=SIZE, template=2)
    result = _judge(stranger.image, [(_registered(), issued.image, "phash")], look_alikes=1)
    assert result.status == "skipped"
    assert (result.reason or "").startswith("Not issued here")


def test_an_upload_unlike_the_certificate_it_claims_to_be_says_so() -> None:
    issued = images.certificate(seed=3, size=SIZE)
    photo = forensic_files.scene(size=SIZE, seed=5)
    result = _judge(photo, [(_registered(), issued.image, "claimed")], look_alikes=1)
    assert (result.status, result.facts["match"]) == ("ok", "unlike_claimed")
    assert 0.0 < result.score < 0.5


def test_an_expired_certificate_fails_even_when_the_pixels_match() -> None:
    issued = images.certificate(seed=3, size=SIZE)
    expired = _registered(expires_at=utcnow() - timedelta(days=1))
    result = _judge(images.resave(issued.image, 80, 0.8), [(expired, issued.image, "claimed")], look_alikes=1)
    assert (result.status, result.score, result.facts["match"]) == ("ok", 0.0, "pixels")
    assert "registry_expired" in [f.code for f in result.findings]
