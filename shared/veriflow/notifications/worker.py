"""notifications_worker: one queue message → each (recipient, channel) it names, delivered once.

Per delivery: claim it in the delivery log, apply preferences and quiet hours, render, deliver,
record the outcome. In-app rows are written in the claim's own transaction, so they are exactly
once outright. Email and SMS are claimed (committed) before the provider call and recorded after
it; only a crash between the provider's acceptance and that record can repeat one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from sqlalchemy.orm import Session

from veriflow.core.aws import client, queue_url
from veriflow.core.db import session_scope
from veriflow.core.observability import logger, metrics
from veriflow.messaging import webhooks
from veriflow.messaging.notification import Channel, NotificationMessage, Recipients
from veriflow.messaging.notify import enqueue_many
from veriflow.notifications import channels, delivery
from veriflow.notifications.digest import DIGEST_TEMPLATE, deliver_digest
from veriflow.notifications.models import Notification
from veriflow.notifications.preferences import HELD_CHANNELS, SMS_CATEGORIES, wants
from veriflow.notifications.recipients import Target, resolve, segment_batch
from veriflow.notifications.render import Rendered, render
from veriflow.notifications.settings import get_notification_settings

# Never copied into an inbox row: the link they belong to went by email only.
SECRET_KEYS = frozenset({"token", "code", "secret", "password"})


# How long a message that met a provider outage waits before its next receive, by the receive that
# failed: 1 min, 5 min, 30 min, 2 h, 2 h. The queue's fifth receive is its last (maxReceiveCount 5):
# after about 4.5 h of outage the message waits in the dead-letter queue for a redrive, never lost.
OUTAGE_BACKOFF_S = (60, 300, 1800, 7200, 7200)
# Emitted on every delivery that met an account-level provider error; an alarm of the template watches it.
PROVIDER_UNAVAILABLE_METRIC = "NotificationProviderUnavailable"


class DeliveryFailed(Exception):
    """Some deliveries of a message failed for now; the whole message is retried, the done ones skip.
    `provider_unavailable`: one of them met an account-level provider error (retried with backoff)."""

    def __init__(self, message: str, *, provider_unavailable: bool = False) -> None:
        super().__init__(message)
        self.provider_unavailable = provider_unavailable


def record_handler(record: SQSRecord) -> None:
    """One queue message. A failure fails the record (SQS brings it back); during a provider outage
    it comes back after a growing delay instead of the queue's visibility timeout."""
    try:
        process(NotificationMessage.model_validate_json(record.body))
    except (DeliveryFailed, channels.ProviderUnavailable) as exc:
        if isinstance(exc, channels.ProviderUnavailable) or exc.provider_unavailable:
            receives = int(record.attributes.approximate_receive_count or 1)
            delay = OUTAGE_BACKOFF_S[min(max(receives, 1), len(OUTAGE_BACKOFF_S)) - 1]
            client("sqs").change_message_visibility(
                QueueUrl=queue_url("NOTIFICATIONS_QUEUE_URL", "retry notifications"),
                ReceiptHandle=record.receipt_handle, VisibilityTimeout=delay,
            )
            logger.warning("notification waits for its provider", extra={"receives": receives, "delay_s": delay})
        raise


def process(message: NotificationMessage) -> None:
    """Everything one queue message asks for."""
    if message.recipients.segment is not None:
        fan_out(message)
        return
    if message.template == DIGEST_TEMPLATE:
        deliver_digest(message)
        return
    with session_scope() as session:
        targets = resolve(session, message)
        # A redelivered message usually finds everything done: one query instead of a claim each.
        done = delivery.settled(session, message.idempotency_key)
    pending = [(target, channel) for target in targets for channel in message.channels
               if (target.key, channel) not in done and _applies(message, target, channel)]
    # One rendering serves every recipient: templates see the message's data, not who receives it.
    rendered: Rendered | None = None
    render_error: Exception | None = None
    if any(channel is not Channel.WEBHOOK for _, channel in pending):
        try:
            rendered = render(message.template, message.data)
        except Exception as exc:
            render_error = exc
    failures: list[str] = []
    unavailable = False
    for target, channel in pending:
        try:
            if render_error is not None and channel is not Channel.WEBHOOK:
                # A template that cannot render leaves a failed row in the log, not a dangling claim.
                _fail(message, target, channel, render_error)
                raise render_error
            deliver(message, target, channel, rendered)
        except Exception as exc:
            logger.warning("delivery failed", extra={
                "idempotency_key": message.idempotency_key, "recipient": target.key, "channel": channel,
                "error": f"{type(exc).__name__}: {exc}",
            })
            failures.append(f"{channel}:{target.key}")
            unavailable = unavailable or isinstance(exc, channels.ProviderUnavailable)
    if failures:
        raise DeliveryFailed(f"{len(failures)} deliveries of {message.idempotency_key} failed: {failures[:5]}",
                             provider_unavailable=unavailable)


def _applies(message: NotificationMessage, target: Target, channel: Channel) -> bool:
    if channel not in target.channels_allowed:
        return False
    # SMS wakes people and costs money: security messages and critical ones only.
    return channel is not Channel.SMS or message.category in SMS_CATEGORIES or message.priority == "critical"


def deliver(message: NotificationMessage, target: Target, channel: Channel, rendered: Rendered | None) -> None:
    """One (idempotency key, recipient, channel); `rendered` is the message's template (None for webhooks)."""
    webhook_ids: list[Any] = []
    with session_scope() as session:
        claim = _claim(session, message, target, channel)
        if claim is None:
            return  # delivered (or decided) before: a redelivered message
        if target.personal and not wants(target.overrides, message.category, channel):
            delivery.finish(session, claim.id, "skipped", error="turned off in the recipient's preferences")
            return
        if channel is Channel.IN_APP:
            assert rendered is not None
            _in_app(session, message, target, rendered)
            delivery.finish(session, claim.id, "sent")
            return
        if target.quiet_hours is not None and channel in HELD_CHANNELS and message.priority != "critical":
            release_at = target.quiet_hours.release_at(delivery.now())
            if release_at is not None:
                payload = {"template": message.template, "data": message.data, "category": message.category}
                delivery.finish(session, claim.id, "held", payload=payload, release_at=release_at)
                return
        if channel is Channel.WEBHOOK:
            assert target.org_id is not None
            webhook_ids = webhooks.dispatch(session, org_id=target.org_id, event_type=message.template,
                                            data=message.data, idempotency_key=message.idempotency_key)
            # Queued with the claim's own commit (the outbox), so it is handed over exactly once.
            webhooks.enqueue_after_commit(session, webhook_ids)
    # The claim is committed: from here a crash leaves it `sending` until its lease ends.
    if channel is Channel.WEBHOOK:
        _record(claim.id, "sent", provider_message_id=f"{len(webhook_ids)} endpoint deliveries")
        return
    assert rendered is not None
    send(claim.id, target, channel, rendered)


def _claim(session: Session, message: NotificationMessage, target: Target, channel: Channel) -> delivery.Claim | None:
    return delivery.claim(session, key=message.idempotency_key, recipient=target.key, channel=channel,
                          category=message.category, template=message.template, user_id=target.user_id)


def _fail(message: NotificationMessage, target: Target, channel: Channel, exc: Exception) -> None:
    """Logs a failure that happened before any claim, so the delivery log shows it."""
    try:
        with session_scope() as session:
            claim = _claim(session, message, target, channel)
            if claim is not None:
                delivery.finish(session, claim.id, "failed", error=f"{type(exc).__name__}: {exc}")
    except delivery.Busy:
        pass


def send(claim_id: Any, target: Target, channel: Channel, rendered: Rendered,
         also: Callable[[Session], None] | None = None) -> None:
    """The provider call for an email or SMS already claimed, and its outcome in the log (with
    `also`, in the same transaction as recording it sent)."""
    try:
        if channel is Channel.EMAIL:
            assert target.email is not None
            provider_id = channels.send_email(target.email, rendered)
        else:
            assert target.phone is not None
            provider_id = channels.send_sms(target.phone, rendered.sms or rendered.subject)
    except channels.Rejected as exc:
        _record(claim_id, "rejected", error=str(exc))
        logger.warning("provider rejected a message", extra={"recipient": target.key, "channel": channel})
        return
    except channels.ProviderUnavailable as exc:
        # Not this recipient's fault: recorded failed (taken over by the retry), counted for the alarm.
        _record(claim_id, "failed", error=str(exc))
        metrics.add_metric(name=PROVIDER_UNAVAILABLE_METRIC, unit=MetricUnit.Count, value=1)
        logger.error("provider refuses every message", extra={"provider": exc.provider, "code": exc.code,
                                                              "channel": channel})
        raise
    except Exception as exc:
        _record(claim_id, "failed", error=f"{type(exc).__name__}: {exc}")
        raise
    _record(claim_id, "sent", provider_message_id=provider_id, also=also)


def _record(claim_id: Any, status: str, also: Callable[[Session], None] | None = None, **outcome: Any) -> None:
    with session_scope() as session:
        delivery.finish(session, claim_id, status, **outcome)
        if also is not None:
            also(session)


def _in_app(session: Session, message: NotificationMessage, target: Target, rendered: Rendered) -> None:
    assert target.user_id is not None
    session.add(Notification(
        user_id=target.user_id, category=message.category, template=message.template, title=rendered.subject,
        body=rendered.text, data={k: v for k, v in message.data.items() if k not in SECRET_KEYS},
    ))


def fan_out(message: NotificationMessage) -> None:
    """One step of a segment: a message for the next batch of accounts, and one to continue after it.
    Every step keeps the broadcast's idempotency key, so a repeated step delivers nothing twice."""
    recipients = message.recipients
    assert recipients.segment is not None
    batch = get_notification_settings().fanout_batch
    with session_scope() as session:
        user_ids = segment_batch(session, recipients.segment, recipients.after, batch)
        follow: list[NotificationMessage] = []
        if user_ids:
            follow.append(message.model_copy(update={"recipients": Recipients(user_ids=user_ids)}))
        if len(user_ids) == batch:
            follow.append(message.model_copy(update={
                "recipients": Recipients(segment=recipients.segment, after=user_ids[-1]),
            }))
        enqueue_many(session, follow)
    logger.info("broadcast step", extra={"idempotency_key": message.idempotency_key, "users": len(user_ids),
                                         "continues": len(user_ids) == batch})

