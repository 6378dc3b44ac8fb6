"""The worker through the real template: each channel, preferences, who may get SMS, recipients."""

from __future__ import annotations

import uuid

from tests.functional.notifications.conftest import Notify
from veriflow.messaging.notification import Category, Channel, NotificationMessage, Recipients


def _message(key: str, recipients: Recipients, *, category: Category = Category.CHALLENGE,
              channels: tuple[Channel, ...] = (Channel.IN_APP, Channel.EMAIL), priority: str = "normal",
              template: str = "system.broadcast", data: dict[str, str] | None = None) -> NotificationMessage:
    return NotificationMessage(
        idempotency_key=key, recipients=recipients, category=category, template=template,
        data=data or {"title": "Round two opens", "body": "Submissions are open until Friday."},
        channels=list(channels), priority=priority,  # type: ignore[arg-type]
    )


def test_in_app_and_email_each_go_out_once_with_a_log_row(notify: Notify) -> None:
    # GIVEN a verified account and a message for it, delivered twice by the queue
    ada = notify.user("ada@example.com")
    notify.send(_message("challenge:round-2", Recipients(user_ids=[ada])), copies=2)
    # WHEN the worker drains the queue
    notify.drain()
    # THEN one inbox row and one email, with text and HTML bodies, and one log row per channel
    inbox = notify.inbox(ada)
    assert [(n.title, n.body) for n in inbox] == [("Round two opens", "Submissions are open until Friday.")]
    assert [m["subject"] for m in notify.mail("ada@example.com")] == ["Round two opens"]
    (request,) = notify.email_requests
    assert set(request["Message"]["Body"]) == {"Text", "Html"}
    assert request["Message"]["Body"]["Text"]["Data"] == "Submissions are open until Friday."
    log = {(d.channel, d.status, d.attempts) for d in notify.deliveries("challenge:round-2")}
    assert log == {("in_app", "sent", 1), ("email", "sent", 1)}
    assert all(d.provider_message_id for d in notify.deliveries() if d.channel == "email")


def test_a_channel_turned_off_is_skipped_and_logged(notify: Notify) -> None:
    # GIVEN an account that turned challenge email off
    ada = notify.user("ada@example.com", channels={"challenge": {"email": False}})
    # WHEN a challenge message for in-app and email arrives
    notify.send(_message("challenge:off", Recipients(user_ids=[ada])))
    notify.drain()
    # THEN the inbox has it, no email went out, and the log says why
    assert len(notify.inbox(ada)) == 1
    assert notify.mail() == []
    skipped = [d for d in notify.deliveries("challenge:off") if d.channel == "email"]
    assert [(d.status, d.error) for d in skipped] == [("skipped", "turned off in the recipient's preferences")]


def test_security_mail_goes_out_even_when_the_person_tried_to_turn_it_off(notify: Notify) -> None:
    # GIVEN stored overrides that would silence security (the API refuses them; old data might not)
    ada = notify.user("ada@example.com", channels={"security": {"email": False, "in_app": False}})
    # WHEN a security message arrives
    notify.send(_message("security:new-device", Recipients(user_ids=[ada]), category=Category.SECURITY))
    notify.drain()
    # THEN it is delivered in the app and by email
    assert len(notify.inbox(ada)) == 1
    assert len(notify.mail("ada@example.com")) == 1


def test_sms_reaches_verified_phones_with_security_messages_only(notify: Notify) -> None:
    # GIVEN one account with a verified phone and one without
    with_phone = notify.user("ada@example.com", phone="+15555550100")
    without = notify.user("bob@example.com")
    everyone = Recipients(user_ids=[with_phone, without])
    # WHEN a security message and a challenge message both ask for SMS
    notify.send(_message("security:sms", everyone, category=Category.SECURITY, channels=(Channel.SMS,)))
    notify.send(_message("challenge:sms", everyone, channels=(Channel.SMS,)))
    notify.drain()
    # THEN only the security message, and only to the verified number
    assert [(s["to"], s["text"]) for s in notify.sms()] == [
        ("+15555550100", "Round two opens: Submissions are open until Friday."),
    ]


def test_addresses_without_accounts_get_email_only(notify: Notify) -> None:
    # GIVEN an invitation to an address that has no account
    message = _message("org-invitation:1", Recipients(emails=["New.Person@Example.com"]), category=Category.SYSTEM,
                       template="orgs.invitation",
                       data={"token": "t", "org_name": "Acme", "role": "member", "org_id": str(uuid.uuid4()),
                             "expires_at": "2026-12-01T00:00:00+00:00"})
    # WHEN it is delivered
    notify.send(message)
    notify.drain()
    # THEN one email to the normalised address and nothing else
    assert [m["to"] for m in notify.mail()] == [["new.person@example.com"]]
    assert [d.channel for d in notify.deliveries("org-invitation:1")] == ["email"]


def test_unverified_and_suspended_accounts_get_security_mail_only(notify: Notify) -> None:
    # GIVEN an unverified account and a suspended one
    unverified = notify.user("new@example.com", verified=False)
    suspended = notify.user("gone@example.com", status="suspended")
    both = Recipients(user_ids=[unverified, suspended])
    # WHEN a challenge message and a security message arrive for both
    notify.send(_message("challenge:both", both))
    notify.send(_message("security:both", both, category=Category.SECURITY))
    notify.drain()
    # THEN the challenge reached the unverified account's inbox only; security reached both by email
    assert {d.recipient for d in notify.deliveries("challenge:both")} == {str(unverified)}
    assert sorted(m["to"][0] for m in notify.mail()) == ["gone@example.com", "new@example.com"]


def test_an_org_message_reaches_its_owners_and_admins(notify: Notify) -> None:
    from veriflow.core.db import session_scope
    from veriflow.identity.org_models import Membership, Organization

    # GIVEN an organization with an owner, an admin and a plain member
    owner, admin, member = (notify.user(f"{name}@example.com") for name in ("owner", "admin", "member"))
    with session_scope() as session:
        org = Organization(name="Acme", slug="acme")
        session.add(org)
        session.flush()
        org_id = org.id
        for user_id, role in ((owner, "owner"), (admin, "admin"), (member, "member")):
            session.add(Membership(org_id=org_id, user_id=user_id, role=role))
    # WHEN a message names the organization
    notify.send(_message("org:notice", Recipients(org_id=org_id), category=Category.SYSTEM))
    notify.drain()
    # THEN its owner and admin have it, the member does not
    assert sorted(m["to"][0] for m in notify.mail()) == ["admin@example.com", "owner@example.com"]
    assert notify.inbox(member) == []


def test_a_message_for_an_unknown_template_ends_in_the_dead_letter_queue(notify: Notify) -> None:
    # GIVEN a message naming a template that does not exist
    ada = notify.user("ada@example.com")
    notify.send(_message("broken:1", Recipients(user_ids=[ada]), template="no.such_template"))
    # WHEN the worker keeps failing on it
    notify.drain()
    # THEN after its five receives it waits in the dead-letter queue, with the error in the log
    assert notify.dead_letters() == 1
    log = notify.deliveries("broken:1")
    assert {(d.channel, d.status, d.attempts) for d in log} == {("in_app", "failed", 5), ("email", "failed", 5)}
    assert all("no.such_template" in (d.error or "") for d in log)
    assert notify.inbox(ada) == []
