"""Templates are files in this package: `templates/<area>/<name>/` holds `subject.txt`, `body.txt`,
`body.html` and, for SMS, `sms.txt`. HTML is escaped by Jinja's autoescape; text is not HTML."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from veriflow.notifications.settings import get_notification_settings

if TYPE_CHECKING:
    from jinja2 import Environment

TEMPLATES = Path(__file__).parent / "templates"
SMS_LIMIT = 320  # two concatenated SMS segments


class UnknownTemplate(LookupError):
    """No such template, or it has no version for the channel asked."""


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str | None
    sms: str | None


@lru_cache(maxsize=1)
def _environment() -> Environment:
    # Jinja is imported on the first render: the digest schedule mostly finds nothing to send.
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False, default=False),
        undefined=StrictUndefined,
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.globals["app_url"] = get_notification_settings().public_app_url.rstrip("/")
    return environment


def reset_render_cache() -> None:
    """Forget the template environment (its app URL comes from settings)."""
    _environment.cache_clear()


def _folder(template_id: str) -> str:
    return template_id.replace(".", "/")


def exists(template_id: str) -> bool:
    return (TEMPLATES / _folder(template_id) / "subject.txt").is_file()


def _optional(name: str, data: dict[str, Any]) -> str | None:
    from jinja2 import TemplateNotFound

    try:
        template = _environment().get_template(name)
    except TemplateNotFound:
        return None
    return template.render(**data).strip()


def render(template_id: str, data: dict[str, Any]) -> Rendered:
    """Every version of the template with `data`; a missing variable raises, it is never left blank."""
    folder = _folder(template_id)
    if not exists(template_id):
        raise UnknownTemplate(template_id)
    subject = _optional(f"{folder}/subject.txt", data) or ""
    # One line, whatever the data held: a subject is a mail header.
    subject = " ".join(subject.split())[:200]
    text = _optional(f"{folder}/body.txt", data)
    sms = _optional(f"{folder}/sms.txt", data)
    if sms is not None:
        sms = " ".join(sms.split())[:SMS_LIMIT]
    return Rendered(subject=subject, text=text or sms or subject, html=_optional(f"{folder}/body.html", data), sms=sms)
