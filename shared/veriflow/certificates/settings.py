"""Where certificate images go and how large they may be."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from veriflow.core.settings import SettingsError, load_settings


class CertificateSettings(BaseSettings):
    """`CERTIFICATE_IMAGES_BUCKET` (the template sets it), the image cap, and the public API URL
    that verification links and QR codes point at."""

    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore", frozen=True)

    certificate_images_bucket: str | None = None
    certificate_image_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024, le=50 * 1024 * 1024)
    certificate_image_max_pixels: int = Field(default=40_000_000, ge=10_000)
    certificate_upload_expiry_s: int = Field(default=900, ge=60, le=7 * 24 * 3600)
    public_api_url: str = "http://127.0.0.1:3000"
    verify_per_ip_per_min: int = Field(default=120, ge=1)
    # A cached DNS TXT proof of the issuer's domain is trusted this long before it is checked again.
    issuer_dns_max_age_s: int = Field(default=3600, ge=0)

    def bucket(self) -> str:
        if not self.certificate_images_bucket:
            raise SettingsError("CERTIFICATE_IMAGES_BUCKET", "required for certificate images; the template sets it")
        return self.certificate_images_bucket

    def verify_url(self, certificate_id: object) -> str:
        return f"{self.public_api_url.rstrip('/')}/v1/verify/{certificate_id}"


@lru_cache(maxsize=1)
def get_certificate_settings() -> CertificateSettings:
    return load_settings(CertificateSettings)
