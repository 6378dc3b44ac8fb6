"""Email addresses as accounts, invitations and logins store and compare them."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, WithJsonSchema

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


def normalise_email(value: str) -> str:
    """Trimmed and lower-cased, as stored; a plausible address or ValueError."""
    value = value.strip().lower()
    if len(value) > 320 or not _EMAIL.match(value):
        raise ValueError("This is not an email address.")
    return value


Email = Annotated[str, AfterValidator(normalise_email),
                  WithJsonSchema({"type": "string", "format": "email", "maxLength": 320})]
