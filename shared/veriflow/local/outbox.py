"""What the local cloud "sent": SES mail and SNS SMS as moto recorded them (moto keeps the HTML
body of a mail that has one, else its text). Read in-process, as `veriflow dev` runs moto itself."""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

from veriflow.local.stack import DEFAULT_ACCOUNT_ID

_LINK = re.compile(r"https?://[^\s\"'<>]+")


def sent_email(region: str = "us-east-1", account_id: str = DEFAULT_ACCOUNT_ID) -> list[dict[str, Any]]:
    from moto.ses.models import ses_backends

    backend = ses_backends[account_id][region]
    return [
        {"id": m.id, "from": m.source, "to": list(m.destinations.get("ToAddresses", [])), "subject": m.subject,
         "body": m.body, **links_and_tokens(m.body)}
        for m in list(backend.sent_messages) if hasattr(m, "subject")
    ]


def links_and_tokens(body: str) -> dict[str, list[str]]:
    """The links in a mail's body, once each in order, and the `token` each carries (what a
    newcomer copies into the next API call)."""
    links = list(dict.fromkeys(html.unescape(url) for url in _LINK.findall(body)))
    tokens = [token for url in links for token in parse_qs(urlsplit(url).query).get("token", [])]
    return {"links": links, "tokens": list(dict.fromkeys(tokens))}


def sent_sms(region: str = "us-east-1", account_id: str = DEFAULT_ACCOUNT_ID) -> list[dict[str, Any]]:
    from moto.sns.models import sns_backends

    backend = sns_backends[account_id][region]
    return [{"id": message_id, "to": phone, "text": text} for message_id, (phone, text) in backend.sms_messages.items()]


def verify_senders(ses: Any, addresses: set[str]) -> None:
    """SES sends only from verified identities; locally every sender the template names is one."""
    for address in sorted(addresses):
        ses.verify_email_identity(EmailAddress=address)
