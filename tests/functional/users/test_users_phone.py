"""/v1/users/me/phone: a number is proven by a texted code before any SMS goes to it."""

from __future__ import annotations

import json
from typing import Any

import boto3

from veriflow.local.outbox import sent_sms
from veriflow.messaging.notification import NotificationMessage
from veriflow.notifications.worker import process


def _texted_code(cloud: Any) -> str:
    """Delivers the queued code message through the worker, then reads the SMS it sent."""
    (queued,) = [m for m in cloud.messages() if m["template"] == "auth.phone_code"][-1:]
    process(NotificationMessage.model_validate(queued))
    text = sent_sms()[-1]["text"]
    return text.split("code: ")[1][:6]


def test_a_number_is_verified_with_the_texted_code(api: Any, identity: Any, cloud: Any) -> None:
    # GIVEN a signed-in person who sets their number
    ada = identity.user()
    assert api("PUT", "/v1/users/me/phone", ada, json_body={"phone_number": "+33612345678"})["statusCode"] == 202
    # THEN the number is stored, not yet proven, and the code went to it by SMS
    assert api("GET", "/v1/users/me", ada)["json"]["phone_verified"] is False
    code = _texted_code(cloud)
    assert sent_sms()[-1]["to"] == "+33612345678"
    # WHEN they send it back
    verified = api("POST", "/v1/users/me/phone/verify", ada, json_body={"code": code})
    # THEN the number is proven, the code is spent, and it is audited
    assert verified["statusCode"] == 200, verified["json"]
    assert (verified["json"]["phone_number"], verified["json"]["phone_verified"]) == ("+33612345678", True)
    assert api("POST", "/v1/users/me/phone/verify", ada, json_body={"code": code})["statusCode"] == 422
    assert "user.phone.verified" in [event.action for event in identity.audit("user.phone.")]
    # WHEN they remove it
    removed = api("DELETE", "/v1/users/me/phone", ada)
    assert (removed["json"]["phone_number"], removed["json"]["phone_verified"]) == (None, False)


def test_five_wrong_codes_kill_the_code(api: Any, identity: Any, cloud: Any) -> None:
    # GIVEN a code waiting for a number
    ada = identity.user()
    api("PUT", "/v1/users/me/phone", ada, json_body={"phone_number": "+15555550100"})
    code = _texted_code(cloud)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    # WHEN five wrong codes are tried
    answers = [api("POST", "/v1/users/me/phone/verify", ada, json_body={"code": wrong}) for _ in range(5)]
    # THEN each is refused with the tries left, and then even the right code no longer works
    messages = [a["json"]["error"]["details"] for a in answers]
    assert [[d["msg"] for d in details] for details in messages] == [
        [f"The code is wrong; {left} {'try' if left == 1 else 'tries'} left."] for left in (4, 3, 2, 1, 0)]
    assert {(d["type"], tuple(d["loc"])) for details in messages for d in details} == {("code_wrong", ("body", "code"))}
    late = api("POST", "/v1/users/me/phone/verify", ada, json_body={"code": code})
    assert late["statusCode"] == 422
    assert [(d["loc"], d["type"]) for d in late["json"]["error"]["details"]] == [(["body", "code"], "code_expired")]


def test_codes_are_limited_and_numbers_must_be_e164(api: Any, identity: Any, cloud: Any) -> None:
    ada = identity.user()
    assert api("PUT", "/v1/users/me/phone", ada, json_body={"phone_number": "0612345678"})["statusCode"] == 422
    sent = [api("PUT", "/v1/users/me/phone", ada, json_body={"phone_number": "+15555550100"})["statusCode"]
            for _ in range(4)]
    assert sent == [202, 202, 202, 429]
    # Only the newest code is live: the earlier ones were cancelled when it was sent
    assert len([m for m in cloud.messages() if m["template"] == "auth.phone_code"]) == 3


def test_sms_to_a_number_goes_out_once_even_when_the_message_is_delivered_twice(cloud: Any) -> None:
    # GIVEN a code message the queue delivers twice
    boto3.client("sqs")  # moto is live for the process-level worker below
    message = NotificationMessage.model_validate(json.loads(json.dumps({
        "idempotency_key": "phone-code:twice-0001", "recipients": {"phones": ["+15555550199"]},
        "category": "security", "template": "auth.phone_code", "data": {"code": "424242"}, "channels": ["sms"],
        "priority": "critical",
    })))
    process(message)
    process(message)
    # THEN one SMS went out
    assert [s["to"] for s in sent_sms()].count("+15555550199") == 1
