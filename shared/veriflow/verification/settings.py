"""Where uploads go, how large they may be, and the state machine that verifies them."""

from __future__ import annotations

import os
from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from veriflow.core.settings import SettingsError, load_settings


class VerificationSettings(BaseSettings):
    """The caps and expiries. The resources (`UPLOADS_BUCKET`, `VERIFICATION_STATE_MACHINE_ARN`) are
    read per call instead: functions differ in which they are given, and locally they share a process."""

    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore", frozen=True)

    upload_max_bytes: int = Field(default=15 * 1024 * 1024, ge=1024, le=100 * 1024 * 1024)
    upload_max_pixels: int = Field(default=40_000_000, ge=10_000)
    upload_max_pdf_pages: int = Field(default=50, ge=1, le=2000)
    # JPEG APPn / PNG text chunks together: EXIF is at most 64 KiB, with XMP and ICC a camera stays far below.
    upload_max_metadata_bytes: int = Field(default=256 * 1024, ge=4096)
    upload_expiry_s: int = Field(default=900, ge=60, le=24 * 3600)
    evidence_link_expiry_s: int = Field(default=300, ge=30, le=3600)
    # Below this share of the layers' weight the verdict is `unverifiable`, whatever the score.
    verification_min_confidence: float = Field(default=0.4, gt=0.0, le=1.0)

    def bucket(self) -> str:
        return _resource("UPLOADS_BUCKET", "required for uploads; the template sets it")

    def state_machine(self) -> str:
        return _resource("VERIFICATION_STATE_MACHINE_ARN", "required to verify uploads; the template sets it")


def _resource(variable: str, why: str) -> str:
    value = os.environ.get(variable)
    if not value:
        raise SettingsError(variable, why)
    return value


@lru_cache(maxsize=1)
def get_verification_settings() -> VerificationSettings:
    return load_settings(VerificationSettings)
