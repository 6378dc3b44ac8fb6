"""The vision layer's analysis: an AI model reads the document (its type, the visible fields, signs
of editing and where), the answer is validated, and what it read is compared with the issued
record the registry layer matched, by fuzzy matching (rapidfuzz): a name or an id that differs
from what was issued is strong evidence; a date or title that differs is a warning. The model's
own signs of editing weigh by its confidence. A malformed answer is an error, never a score."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from veriflow.ai.provider import AiRequest, MalformedAnswer, MediaType
from veriflow.forensics.assessment import Assessment, Finding, combined_score

SYSTEM = ("You examine images of certificates and diplomas for a fraud-screening service. You answer with "
          "one JSON object and nothing else.")
PROMPT = """Read this document and answer with one JSON object of exactly this shape:
{"document_type": "certificate" | "diploma" | "transcript" | "id_card" | "other",
 "fields": {"recipient_name": string or null, "certificate_id": string or null, "title": string or null,
            "issued_on": "YYYY-MM-DD" or null, "expires_on": "YYYY-MM-DD" or null, "issuer": string or null},
 "editing_signs": [{"description": string, "box": [x0, y0, x1, y1]}],
 "confidence": number between 0 and 1}
Copy the fields exactly as printed (null when absent or unreadable). "editing_signs" lists visible signs that
the document was altered (mismatched fonts, misaligned or smudged text, patches of different background,
cloned areas), each with its location as fractions of the width and height; an empty list when you see none.
"confidence" is how sure you are of your reading."""

NAME_MATCH, NAME_DIFFERS = 90.0, 75.0  # rapidfuzz ratio (0-100) of the normalised names
TITLE_DIFFERS = 70.0
SIGN_PENALTY = 0.4  # a sign of editing at full confidence
MAX_SIGNS = 8


class EditingSign(BaseModel):
    model_config = ConfigDict(extra="ignore")

    description: str = Field(max_length=500)
    box: tuple[float, float, float, float] | None = None

    @field_validator("box")
    @classmethod
    def _fractions(cls, value: tuple[float, float, float, float] | None) -> tuple[float, float, float, float] | None:
        if value is None:
            return None
        x0, y0, x1, y1 = (min(1.0, max(0.0, v)) for v in value)
        return (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))


class ReadFields(BaseModel):
    model_config = ConfigDict(extra="ignore")

    recipient_name: str | None = Field(default=None, max_length=300)
    certificate_id: str | None = Field(default=None, max_length=200)
    title: str | None = Field(default=None, max_length=300)
    issued_on: str | None = Field(default=None, max_length=60)
    expires_on: str | None = Field(default=None, max_length=60)
    issuer: str | None = Field(default=None, max_length=300)


class DocumentReading(BaseModel):
    """The model's answer, as the prompt asks for it."""

    model_config = ConfigDict(extra="ignore")

    document_type: str = Field(max_length=40)
    fields: ReadFields
    editing_signs: list[EditingSign] = Field(default_factory=list, max_length=50)
    confidence: float = Field(ge=0.0, le=1.0)


@dataclass(frozen=True)
class RegistryRecord:
    """What was issued, as the registry layer matched it."""

    certificate_id: str
    recipient_name: str
    title: str
    issued_at: str | None
    expires_at: str | None

    @classmethod
    def from_facts(cls, record: Any) -> RegistryRecord | None:
        if not isinstance(record, dict) or not record.get("certificate_id"):
            return None
        return cls(certificate_id=str(record["certificate_id"]), recipient_name=str(record.get("recipient_name") or ""),
                   title=str(record.get("title") or ""), issued_at=record.get("issued_at"),
                   expires_at=record.get("expires_at"))


def parse_answer(text: str) -> DocumentReading:
    """The answer's JSON object (inside a code fence, if the model added one), validated."""
    body = text.strip()
    fenced = re.fullmatch(r"```(?:json)?\s*(.*?)\s*```", body, flags=re.DOTALL)
    if fenced:
        body = fenced.group(1)
    try:
        return DocumentReading.model_validate(json.loads(body))
    except (ValueError, ValidationError) as error:
        raise MalformedAnswer(f"The model's answer is not the JSON asked for: {str(error)[:200]}") from None


def analyse(image: bytes, media_type: MediaType, record: RegistryRecord | None, chain: Any,
            max_tokens: int = 1200) -> Assessment:
    """Ask the providers (`chain`, a ProviderChain) about the image; compare with `record`."""
    if not chain.providers:
        return Assessment.skipped("No AI provider is configured.")
    answer = chain.ask(AiRequest(prompt=PROMPT, image=image, media_type=media_type, max_tokens=max_tokens,
                                 system=SYSTEM))
    reading = parse_answer(answer.text)
    findings, compared = _compare(reading.fields, record)
    findings += _signs(reading)
    facts: dict[str, Any] = {
        "provider": answer.provider, "model": answer.model, "answer_ms": answer.duration_ms,
        "document_type": reading.document_type, "confidence": reading.confidence,
        "fields": reading.fields.model_dump(), "record": _record_facts(record), "compared": compared,
    }
    return Assessment(score=combined_score(findings), findings=findings, facts=facts)


def _record_facts(record: RegistryRecord | None) -> dict[str, Any] | None:
    if record is None:
        return None
    return {"certificate_id": record.certificate_id, "recipient_name": record.recipient_name, "title": record.title,
            "issued_on": _day(record.issued_at), "expires_on": _day(record.expires_at)}


def _normal(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.casefold().split())


def _similarity(a: str, b: str) -> float:
    from rapidfuzz import fuzz

    return round(float(fuzz.ratio(_normal(a), _normal(b))), 1)


def _compare(read: ReadFields, record: RegistryRecord | None) -> tuple[list[Finding], list[dict[str, Any]]]:
    """Findings for the fields that differ from the record, and the side-by-side table."""
    if record is None:
        return [Finding(code="vision_no_record", message="No issued certificate was matched, so the fields the "
                        "model read are shown but compared with nothing.")], []
    findings: list[Finding] = []
    rows: list[dict[str, Any]] = []
    if read.recipient_name and record.recipient_name:
        similarity = _similarity(read.recipient_name, record.recipient_name)
        rows.append({"field": "recipient_name", "read": read.recipient_name, "issued": record.recipient_name,
                     "similarity": similarity})
        if similarity < NAME_DIFFERS:
            findings.append(Finding(
                code="vision_name_differs", severity="strong", penalty=0.8,
                message=f"The document names {read.recipient_name!r}; the certificate was issued to "
                        f"{record.recipient_name!r} (similarity {similarity:.0f}%).",
                data={"read": read.recipient_name, "issued": record.recipient_name, "similarity": similarity}))
        elif similarity < NAME_MATCH:
            findings.append(Finding(
                code="vision_name_near", severity="warning", penalty=0.3,
                message=f"The name read, {read.recipient_name!r}, is close to but not the issued "
                        f"{record.recipient_name!r} (similarity {similarity:.0f}%).",
                data={"read": read.recipient_name, "issued": record.recipient_name, "similarity": similarity}))
    if read.certificate_id:
        shown, ours = _id(read.certificate_id), _id(record.certificate_id)
        if _looks_like_ours(shown):
            rows.append({"field": "certificate_id", "read": read.certificate_id, "issued": record.certificate_id,
                         "similarity": 100.0 if shown == ours else _similarity(shown, ours)})
            if shown != ours:
                findings.append(Finding(
                    code="vision_id_differs", severity="strong", penalty=0.8,
                    message=f"The document shows certificate id {read.certificate_id!r}; the matched certificate is "
                            f"{record.certificate_id}.", data={"read": read.certificate_id,
                                                               "issued": record.certificate_id}))
    if read.title and record.title:
        similarity = _similarity(read.title, record.title)
        rows.append({"field": "title", "read": read.title, "issued": record.title, "similarity": similarity})
        if similarity < TITLE_DIFFERS:
            findings.append(Finding(
                code="vision_title_differs", severity="warning", penalty=0.3,
                message=f"The title read, {read.title!r}, differs from the issued {record.title!r}.",
                data={"read": read.title, "issued": record.title, "similarity": similarity}))
    dates: list[tuple[str, str | None, str | None]] = [("issued_on", read.issued_on, record.issued_at),
                                                       ("expires_on", read.expires_on, record.expires_at)]
    for name, printed, issued in dates:
        printed_day, issued_day = _parse_day(printed), _day(issued)
        if printed_day is None or issued_day is None:
            continue
        rows.append({"field": name, "read": printed, "issued": issued_day, "similarity": 100.0 if
                     printed_day.isoformat() == issued_day else 0.0})
        if printed_day.isoformat() != issued_day:
            findings.append(Finding(
                code=f"vision_{name}_differs", severity="warning", penalty=0.3,
                message=f"The document's {name.replace('_', ' ')} date reads {printed}; the record says {issued_day}.",
                data={"read": printed, "issued": issued_day}))
    return findings, rows


def _signs(reading: DocumentReading) -> list[Finding]:
    found = []
    for sign in reading.editing_signs[:MAX_SIGNS]:
        found.append(Finding(
            code="vision_editing_sign", severity="warning", penalty=round(SIGN_PENALTY * reading.confidence, 4),
            message=f"The model sees a sign of editing: {sign.description}",
            data={"box": list(sign.box) if sign.box else None, "confidence": reading.confidence}))
    return found


def _id(value: str) -> str:
    return re.sub(r"[^0-9a-z]", "", value.casefold())


def _looks_like_ours(normalised: str) -> bool:
    """Our certificate ids are UUIDs (32 hex digits); an issuer's own number is not compared."""
    return re.fullmatch(r"[0-9a-f]{32}", normalised) is not None


def _day(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).date().isoformat()
    except ValueError:
        return None


def _parse_day(value: str | None) -> date | None:
    if not value:
        return None
    for layout in ("%Y-%m-%d", "%d %B %Y", "%B %d, %Y", "%d.%m.%Y", "%d/%m/%Y"):
        try:
            return datetime.strptime(value.strip(), layout).date()
        except ValueError:
            continue
    return None
