"""Where notifications come from and link to."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from veriflow.core.settings import load_settings


class NotificationSettings(BaseSettings):
    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore", frozen=True)

    # The verified SES identity mail is sent from.
    email_from: str = "Veriflow <no-reply@veriflow.example>"
    # Where people use the product: links in messages point there.
    public_app_url: str = "http://127.0.0.1:3000"
    # An optional SES configuration set (bounce and complaint events).
    ses_configuration_set: str = ""
    # A sender name shown on SMS where carriers allow one.
    sms_sender_id: str = Field(default="Veriflow", max_length=11)
    # Users one fan-out step of a broadcast covers; each step is one queue message.
    fanout_batch: int = Field(default=100, ge=1, le=1000)


@lru_cache(maxsize=1)
def get_notification_settings() -> NotificationSettings:
    return load_settings(NotificationSettings)
