"""Delivery that loses nothing: while SES refuses every message for the account's reasons (sending
paused, configuration, throttling), mail waits with a growing delay and the worker counts it for an
alarm; only an answer about the recipient is final."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.functional.notifications.conftest import Notify
from veriflow.local.template import parse_template
from veriflow.messaging.notification import Category, Channel, NotificationMessage, Recipients
from veriflow.notifications.worker import OUTAGE_BACKOFF_S, PROVIDER_UNAVAILABLE_METRIC

ROOT = Path(__file__).resolve().parents[3]


def _email(key: str, to: str) -> NotificationMessage:
    return NotificationMessage(
        idempotency_key=key, recipients=Recipients(emails=[to]), category=Category.SYSTEM,
        template="system.broadcast", data={"title": "Round two opens", "body": "Submissions are open."},
        channels=[Channel.EMAIL],
    )


def _emitted(out: str) -> list[dict[str, Any]]:
    """The EMF documents (Powertools metrics) the worker printed."""
    documents = []
    for line in out.splitlines():
        if line.startswith("{") and '"_aws"' in line:
            documents.append(json.loads(line))
    return [d for d in documents if PROVIDER_UNAVAILABLE_METRIC in d]


def _retry_now(notify: Notify) -> None:
    """As if the delay the worker asked for had passed."""
    for poller in notify.cloud.pollers:
        poller.expire_failed()
    notify.cloud.drain_queues(skip_visibility_timeout=False)


# SES's throttling error is not in its API model; moto warns while serialising it, as it should.
@pytest.mark.filterwarnings("ignore:Exception\\(SesError\\) with code Throttling")
@pytest.mark.parametrize(("code", "message"), [
    ("AccountSendingPausedException", "Email sending is disabled for this account."),
    ("ConfigurationSetSendingPausedException", "Sending is paused for this configuration set."),
    ("ConfigurationSetDoesNotExist", "Configuration set <veriflow> does not exist."),
    ("MailFromDomainNotVerifiedException", "The MAIL FROM domain is not verified."),
    ("Throttling", "Maximum sending rate exceeded."),
])
def test_mail_sent_during_an_account_outage_waits_with_backoff_and_goes_out_after(
    notify: Notify, capsys: pytest.CaptureFixture[str], code: str, message: str
) -> None:
    # GIVEN SES refusing every message for the account's reasons
    notify.ses_refuses(code, message)
    notify.send(_email("outage:1", "ada@example.com"))
    # WHEN the worker meets it twice
    notify.cloud.drain_queues(skip_visibility_timeout=False)
    _retry_now(notify)
    # THEN nothing is final: the delivery is failed (not rejected), the message is still on the
    # queue, out of the dead-letter queue, and waits longer after each attempt
    [row] = notify.deliveries("outage:1")
    assert (row.status, row.attempts) == ("failed", 2)
    assert code in (row.error or "")
    worker_delays = [d for d in notify.visibility_requests if d > 0]
    assert worker_delays == list(OUTAGE_BACKOFF_S[:2])
    assert notify.dead_letters() == 0
    assert notify.mail() == []
    # AND each refusal was counted on the metric the alarm watches
    assert len(_emitted(capsys.readouterr().out)) == 2
    # WHEN SES sends again and the delay has passed
    notify.ses_recovers()
    _retry_now(notify)
    # THEN the mail goes out, once
    assert [m["to"] for m in notify.mail()] == [["ada@example.com"]]
    [row] = notify.deliveries("outage:1")
    assert (row.status, row.attempts) == ("sent", 3)


def test_a_long_outage_ends_in_the_dead_letter_queue_not_in_the_void(notify: Notify) -> None:
    # GIVEN SES paused for longer than every retry of the backoff
    notify.ses_refuses("AccountSendingPausedException", "Email sending is disabled for this account.")
    notify.send(_email("outage:long", "ada@example.com"))
    # WHEN the worker has tried as often as the queue allows
    notify.drain()
    # THEN the message waits in the dead-letter queue for a redrive, and each wait grew
    assert notify.dead_letters() == 1
    assert [d for d in notify.visibility_requests if d > 0] == list(OUTAGE_BACKOFF_S)
    [row] = notify.deliveries("outage:long")
    assert row.status == "failed"


def test_our_own_unverified_sender_is_an_account_problem_not_the_recipients(notify: Notify) -> None:
    # GIVEN the sender identity gone from SES (its verification was removed)
    ses = boto3.client("ses")
    for identity in ses.list_identities()["Identities"]:
        ses.delete_identity(Identity=identity)
    notify.send(_email("sender:1", "ada@example.com"))
    # WHEN the worker meets SES's MessageRejected naming our sender
    notify.cloud.drain_queues(skip_visibility_timeout=False)
    # THEN it is retried with backoff, not recorded as the recipient's rejection
    [row] = notify.deliveries("sender:1")
    assert row.status == "failed"
    assert "MessageRejected" in (row.error or "")
    assert [d for d in notify.visibility_requests if d > 0] == [OUTAGE_BACKOFF_S[0]]


def test_a_bad_recipient_address_is_final_and_retried_never(notify: Notify, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN a message to an address SES refuses
    notify.send(_email("bad-address:1", "not-an-address"))
    # WHEN the worker drains the queue (retries included)
    notify.drain()
    # THEN the delivery is rejected after one attempt, the message is done: no retry, no dead letter
    [row] = notify.deliveries("bad-address:1")
    assert (row.status, row.attempts) == ("rejected", 1)
    assert notify.visibility_requests == []
    assert notify.dead_letters() == 0
    assert _emitted(capsys.readouterr().out) == []


def test_the_alarm_watches_the_metric_the_worker_emits(notify: Notify, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN the metric as the worker emits it during an outage
    notify.ses_refuses("AccountSendingPausedException", "Email sending is disabled for this account.")
    notify.send(_email("alarm:outage", "ada@example.com"))
    notify.cloud.drain_queues(skip_visibility_timeout=False)
    [document] = _emitted(capsys.readouterr().out)
    [directive] = document["_aws"]["CloudWatchMetrics"]
    [dimensions] = directive["Dimensions"]
    # THEN the template's alarm names the same namespace, metric and dimensions, and pages
    template = parse_template((ROOT / "template.yaml").read_text(encoding="utf-8"))
    alarm = template["Resources"]["NotificationProviderUnavailableAlarm"]["Properties"]
    assert alarm["Namespace"] == directive["Namespace"]
    assert alarm["MetricName"] == PROVIDER_UNAVAILABLE_METRIC
    assert {d["Name"]: d["Value"] for d in alarm["Dimensions"]} == {name: document[name] for name in dimensions}
    assert alarm["Threshold"] == 1
    assert alarm["AlarmActions"]
