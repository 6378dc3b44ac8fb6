"""The registry layer: which issued certificate an upload is a copy of, and where it differs.

Lookup never scans: the file's SHA-256 first (an exact copy), else the perceptual hash through its
four indexed 16-bit bands (a near copy shares at least one band), kept within PHASH_NEAR_BITS. The
perceptual hash finds the template, not the recipient (certificates of one template differ by a
few bits, and a forged one-digit id is 0 bits from the original), so the claimed certificate id,
when the uploader gives one, is tried first and decides which certificate an edit is measured
against. Each candidate's registered image is aligned with the upload and compared pixel by
pixel (`forensics.registry_diff`); the evidence is the upload's thumbnail with the differing
regions boxed."""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from veriflow.certificates.models import Certificate
from veriflow.forensics.assessment import Assessment, Finding, combined_score

if TYPE_CHECKING:
    from PIL.Image import Image

    from veriflow.forensics.registry_diff import Comparison

PHASH_NEAR_BITS = 10  # re-saves, resizes and photos of one image stay within this many bits
MAX_NEAR_ROWS = 500  # rows sharing a band read at most (a popular template), then ranked by distance
MAX_CANDIDATES = 3  # registered images compared with the upload at most
ISSUED = ("issued", "anchored")
# Without a claimed id, a copy counts as altered only when its differences look like edits (a few
# fields: name, date, id); beyond that it is another document that shares the layout.
EDIT_MAX_REGIONS = 3
EDIT_MAX_SHARE = 0.05
Via = Literal["sha256", "claimed", "phash"]
NOT_ISSUED_HERE = "Not issued here: no certificate issued on this service matches this document."


@dataclass(frozen=True)
class Registered:
    """What the layer needs of an issued certificate."""

    id: uuid.UUID
    org_id: uuid.UUID
    image_key: str
    phash: int | None
    recipient_name: str
    title: str
    issued_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    revoked_reason: str | None

    @classmethod
    def of(cls, certificate: Certificate) -> Registered:
        return cls(id=certificate.id, org_id=certificate.org_id, image_key=certificate.image_key,
                   phash=int(certificate.image_phash, 16) if certificate.image_phash else None,
                   recipient_name=certificate.recipient_name, title=certificate.title,
                   issued_at=certificate.issued_at, expires_at=certificate.expires_at,
                   revoked_at=certificate.revoked_at, revoked_reason=certificate.revoked_reason)

    def record(self) -> dict[str, Any]:
        """The issued record as the report shows it beside what the upload shows."""
        return {"certificate_id": str(self.id), "org_id": str(self.org_id), "recipient_name": self.recipient_name,
                "title": self.title, "issued_at": self.issued_at.isoformat(),
                "expires_at": self.expires_at.isoformat() if self.expires_at else None}


@dataclass(frozen=True)
class Candidate:
    certificate: Registered
    via: Via
    distance: int | None  # the perceptual hashes' Hamming distance


@dataclass(frozen=True)
class Lookup:
    candidates: list[Candidate]
    look_alikes: int  # issued certificates within PHASH_NEAR_BITS (the template's size, capped)


def find_candidates(session: Session, sha256: str | None, phash: int | None,
                    claimed: uuid.UUID | None) -> Lookup:
    """At most MAX_CANDIDATES issued certificates to compare with, best first, by indexed lookups."""
    from veriflow.imaging.phash import bands, distance

    issued = Certificate.status.in_(ISSUED)
    if sha256 is not None:
        exact = session.scalars(select(Certificate).where(Certificate.image_sha256 == sha256, issued)
                                .order_by(Certificate.created_at).limit(1)).first()
        if exact is not None:
            return Lookup([Candidate(Registered.of(exact), "sha256", 0)], 1)
    found: list[Candidate] = []
    if claimed is not None:
        certificate = session.get(Certificate, claimed)
        if certificate is not None and certificate.status in ISSUED:
            record = Registered.of(certificate)
            near = distance(phash, record.phash) if phash is not None and record.phash is not None else None
            found.append(Candidate(record, "claimed", near))
    if phash is None:
        return Lookup(found, len(found))
    band = bands(phash)
    # Only the bands in the condition: the planner then reads their four indexes (a BitmapOr),
    # never the status index, which every issued certificate shares. Bands are set when an image
    # is accepted, so the rows are issued ones; the status is checked here all the same.
    rows = session.scalars(select(Certificate).where(or_(
        Certificate.phash_band0 == band[0], Certificate.phash_band1 == band[1],
        Certificate.phash_band2 == band[2], Certificate.phash_band3 == band[3],
    )).limit(MAX_NEAR_ROWS)).all()
    near_rows = sorted(
        ((distance(phash, int(row.image_phash, 16)), row) for row in rows
         if row.image_phash and row.status in ISSUED),
        key=lambda pair: (pair[0], pair[1].created_at))
    near_rows = [(bits, row) for bits, row in near_rows if bits <= PHASH_NEAR_BITS]
    seen = {candidate.certificate.id for candidate in found}
    for bits, row in near_rows:
        if len(found) >= MAX_CANDIDATES:
            break
        if row.id not in seen:
            found.append(Candidate(Registered.of(row), "phash", bits))
    return Lookup(found, len(near_rows))


def decode(data: bytes, kind: str, max_pixels: int) -> Image:
    """The file as an upright RGB image (a PDF: its first page)."""
    if kind == "pdf":
        from veriflow.imaging.pdf import render_first_page

        return render_first_page(data, max_pixels)
    from PIL import Image as PILImage
    from PIL import ImageOps

    with PILImage.open(io.BytesIO(data)) as opened:
        if opened.width * opened.height > max_pixels:
            raise ValueError(f"The image has more than {max_pixels} pixels.")
        return ImageOps.exif_transpose(opened).convert("RGB")


Loader = Callable[[Registered], "Image"]
Comparer = Callable[["Image", "Image"], "Comparison"]


def assess(upload: Image, lookup: Lookup, load: Loader, compare: Comparer) -> Assessment:
    """The layer's result: an exact copy, a pixel match, an edited copy (regions located), or
    skipped when nothing issued here is like the upload."""
    if not lookup.candidates:
        return Assessment.skipped(NOT_ISSUED_HERE, look_alikes=0)
    first = lookup.candidates[0]
    if first.via == "sha256":
        return _matched(first, "exact", None, lookup)
    compared: list[tuple[Candidate, Comparison]] = []
    for candidate in lookup.candidates:
        comparison = compare(upload, load(candidate.certificate))
        if comparison.aligned and comparison.pixels_match:
            return _matched(candidate, "pixels", comparison, lookup)
        compared.append((candidate, comparison))
    aligned = [(candidate, comparison) for candidate, comparison in compared if comparison.aligned]
    claimed = next((pair for pair in compared if pair[0].via == "claimed"), None)
    if claimed is not None and claimed[1].aligned:
        return _edited(*claimed, lookup)
    if claimed is not None:
        return _unlike_claimed(claimed[0], lookup)
    if len(aligned) == 1 and lookup.look_alikes <= 1 and _looks_edited(aligned[0][1]):
        return _edited(*aligned[0], lookup)
    if aligned and lookup.look_alikes > 1:
        candidate, comparison = min(aligned, key=lambda pair: sum(r.area_share for r in pair[1].regions))
        return Assessment.skipped(
            f"The document looks like {lookup.look_alikes} certificates of one template issued here and matches "
            "none of them pixel for pixel; give the certificate id to check it against the right one.",
            look_alikes=lookup.look_alikes, nearest_certificate_id=str(candidate.certificate.id),
            regions=len(comparison.regions))
    return Assessment.skipped(NOT_ISSUED_HERE, look_alikes=lookup.look_alikes)


def _looks_edited(comparison: Comparison) -> bool:
    return (0 < len(comparison.regions) <= EDIT_MAX_REGIONS
            and sum(region.area_share for region in comparison.regions) <= EDIT_MAX_SHARE)


def _facts(candidate: Candidate, match: str, comparison: Comparison | None, lookup: Lookup) -> dict[str, Any]:
    facts: dict[str, Any] = {
        "certificate_id": str(candidate.certificate.id), "org_id": str(candidate.certificate.org_id),
        "match": match, "via": candidate.via, "phash_distance": candidate.distance,
        "look_alikes": lookup.look_alikes, "record": candidate.certificate.record(),
    }
    if comparison is not None:
        facts.update(inliers=comparison.inliers, scale=round(comparison.scale, 3),
                     smallest_decidable_px=comparison.smallest_decidable_px, note=comparison.note,
                     regions=[_region(region) for region in comparison.regions])
    return facts


def _region(region: Any) -> dict[str, Any]:
    return {"box_upload": [int(v) for v in region.box_upload],
            "box_registered": [int(v) for v in region.box_registered],
            "strength": round(float(region.strength), 3), "area_share": round(float(region.area_share), 5)}


def _standing(certificate: Registered, now: datetime) -> list[Finding]:
    """A revoked or expired certificate fails the layer, whatever the pixels say."""
    from veriflow.certificates.document import timestamp

    found: list[Finding] = []
    if certificate.revoked_at is not None:
        found.append(Finding(
            code="registry_revoked", severity="strong", penalty=1.0,
            message=f"Certificate {certificate.id} was revoked on {timestamp(certificate.revoked_at)}: "
                    f"{certificate.revoked_reason or 'no reason given'}.",
            data={"revoked_at": certificate.revoked_at.isoformat(), "reason": certificate.revoked_reason}))
    if certificate.expires_at is not None and certificate.expires_at <= now:
        found.append(Finding(
            code="registry_expired", severity="strong", penalty=1.0,
            message=f"Certificate {certificate.id} expired on {timestamp(certificate.expires_at)}.",
            data={"expires_at": certificate.expires_at.isoformat()}))
    return found


def _note(comparison: Comparison | None) -> list[Finding]:
    if comparison is None or comparison.note is None:
        return []
    return [Finding(code="registry_resolution", severity="notice", message=comparison.note,
                    data={"smallest_decidable_px": comparison.smallest_decidable_px,
                          "scale": round(comparison.scale, 3)})]


def _matched(candidate: Candidate, match: str, comparison: Comparison | None, lookup: Lookup) -> Assessment:
    from veriflow.core.types import utcnow

    how = ("is byte for byte the registered image of" if match == "exact"
           else "matches, pixel for pixel after alignment, the registered image of")
    findings = [Finding(code="registry_match", message=f"The upload {how} certificate {candidate.certificate.id}.",
                        data={"certificate_id": str(candidate.certificate.id), "match": match})]
    findings += _standing(candidate.certificate, utcnow()) + _note(comparison)
    artifacts = {"diff": comparison.overlay_png} if comparison is not None else {}
    return Assessment(score=combined_score(findings), findings=findings,
                      facts=_facts(candidate, match, comparison, lookup), artifacts=artifacts)


def _edited(candidate: Candidate, comparison: Comparison, lookup: Lookup) -> Assessment:
    from veriflow.core.types import utcnow

    boxes = "; ".join(f"({', '.join(str(int(v)) for v in region.box_upload)})" for region in comparison.regions[:5])
    what = (f"{len(comparison.regions)} region(s) differ from it at {boxes} (upload pixels)" if comparison.regions
            else "its pixels differ from it")
    findings = [Finding(
        code="registry_edited", severity="strong", penalty=1.0,
        message=f"The upload is an altered copy of certificate {candidate.certificate.id}: {what}.",
        data={"certificate_id": str(candidate.certificate.id),
              "regions": [_region(region) for region in comparison.regions[:10]]})]
    findings += _standing(candidate.certificate, utcnow()) + _note(comparison)
    return Assessment(score=combined_score(findings), findings=findings,
                      facts=_facts(candidate, "edited", comparison, lookup),
                      artifacts={"diff": comparison.overlay_png})


def _unlike_claimed(candidate: Candidate, lookup: Lookup) -> Assessment:
    findings = [Finding(
        code="registry_unlike_claimed", severity="warning", penalty=0.7,
        message=f"The upload claims to be certificate {candidate.certificate.id} but cannot be aligned with its "
                "registered image: it is another document, or a copy too distorted to compare.",
        data={"certificate_id": str(candidate.certificate.id)})]
    return Assessment(score=combined_score(findings), findings=findings,
                      facts=_facts(candidate, "unlike_claimed", None, lookup))
