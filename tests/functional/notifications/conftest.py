"""The real template on moto with its notifications worker, on SQLite and PostgreSQL; helpers to
make accounts, queue messages, deliver them and read what went out."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.ses.exceptions import SesError
from moto.ses.models import SESBackend
from sqlalchemy import select

from veriflow.core.db import session_scope
from veriflow.core.types import utcnow
from veriflow.identity.user_models import User, UserRole
from veriflow.local import MOTO_CONFIG, LocalCloud
from veriflow.local.dev import DEV_PARAMETERS
from veriflow.local.outbox import sent_email, sent_sms
from veriflow.messaging.notification import NotificationMessage
from veriflow.notifications.models import Delivery, Notification, NotificationPreference

ROOT = Path(__file__).resolve().parents[3]


@dataclass
class Notify:
    cloud: LocalCloud
    # Every SendEmail request as the worker made it (moto keeps only one body of each).
    email_requests: list[dict[str, Any]] = field(default_factory=list)
    # Every delay the worker asked SQS for (ChangeMessageVisibility), in order.
    visibility_requests: list[int] = field(default_factory=list)
    # While set, SES answers every SendEmail with this (code, message), as during an account's pause.
    ses_error: tuple[str, str] | None = None

    def ses_refuses(self, code: str, message: str) -> None:
        self.ses_error = (code, message)

    def ses_recovers(self) -> None:
        self.ses_error = None

    def queue_url(self, logical_id: str = "NotificationsQueue") -> str:
        url = self.cloud.resources[logical_id].url
        assert url is not None
        return url

    def send(self, message: NotificationMessage, copies: int = 1) -> None:
        """Puts `message` on the queue `copies` times, as SQS may deliver it more than once."""
        sqs = boto3.client("sqs")
        for _ in range(copies):
            sqs.send_message(QueueUrl=self.queue_url(), MessageBody=message.model_dump_json())

    def drain(self) -> int:
        return self.cloud.drain_queues()

    def mail(self, to: str | None = None) -> list[dict[str, Any]]:
        return [m for m in sent_email() if to is None or to in m["to"]]

    def sms(self) -> list[dict[str, Any]]:
        return sent_sms()

    def queued(self, logical_id: str) -> list[dict[str, Any]]:
        """Bodies waiting on a queue (consumed)."""
        sqs, found = boto3.client("sqs"), []
        while batch := sqs.receive_message(QueueUrl=self.queue_url(logical_id), MaxNumberOfMessages=10).get(
            "Messages", []
        ):
            found += [json.loads(m["Body"]) for m in batch]
            for m in batch:
                sqs.delete_message(QueueUrl=self.queue_url(logical_id), ReceiptHandle=m["ReceiptHandle"])
        return found

    def dead_letters(self) -> int:
        attributes = boto3.client("sqs").get_queue_attributes(
            QueueUrl=self.queue_url("NotificationsDeadLetterQueue"), AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"])

    @staticmethod
    def user(email: str, *, verified: bool = True, phone: str | None = None, roles: tuple[str, ...] = (),
             status: str = "active", quiet: tuple[str, str, str] | None = None,
             channels: dict[str, dict[str, bool]] | None = None) -> uuid.UUID:
        with session_scope() as session:
            user = User(email=email, display_name=email.split("@")[0], status=status,
                        email_verified_at=utcnow() if verified else None, phone_number=phone,
                        phone_verified_at=utcnow() if phone else None)
            session.add(user)
            session.flush()
            for role in roles:
                session.add(UserRole(user_id=user.id, role=role))
            if quiet or channels:
                start, end, zone = quiet or ("00:00", "00:00", "UTC")
                session.add(NotificationPreference(
                    user_id=user.id, channels=channels or {}, timezone=zone,
                    quiet_hours_start=time.fromisoformat(start) if quiet else None,
                    quiet_hours_end=time.fromisoformat(end) if quiet else None,
                ))
            return user.id

    @staticmethod
    def deliveries(key: str | None = None) -> list[Delivery]:
        with session_scope() as session:
            query = select(Delivery).order_by(Delivery.created_at)
            if key is not None:
                query = query.where(Delivery.idempotency_key == key)
            rows = list(session.scalars(query))
            session.expunge_all()
            return rows

    @staticmethod
    def inbox(user_id: uuid.UUID) -> list[Notification]:
        with session_scope() as session:
            rows = list(session.scalars(select(Notification).where(Notification.user_id == user_id)))
            session.expunge_all()
            return rows


@pytest.fixture
def notify(any_database: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Notify]:
    with mock_aws(config=MOTO_CONFIG):  # type: ignore[arg-type]
        cloud = LocalCloud(ROOT / "template.yaml", parameters=DEV_PARAMETERS).deploy()
        harness = Notify(cloud)
        for logical_id, variable in (("NotificationsQueue", "NOTIFICATIONS_QUEUE_URL"),
                                     ("WebhooksQueue", "WEBHOOKS_QUEUE_URL")):
            monkeypatch.setenv(variable, harness.queue_url(logical_id))
        from veriflow.core.aws import client

        client("ses").meta.events.register(
            "provide-client-params.ses.SendEmail", lambda params, **_: harness.email_requests.append(dict(params))
        )
        client("sqs").meta.events.register(
            "provide-client-params.sqs.ChangeMessageVisibility",
            lambda params, **_: harness.visibility_requests.append(int(params["VisibilityTimeout"])),
        )
        # moto's SES knows no account pause, configuration-set state or throttling: while a test
        # says so, its SendEmail answers with the error SES would send (through moto's own
        # serialisation, so the worker sees the ClientError SES's answer becomes).
        real_send = SESBackend.send_email

        def send_email(backend: SESBackend, *args: Any, **kwargs: Any) -> Any:
            if harness.ses_error is not None:
                raise SesError(*harness.ses_error)
            return real_send(backend, *args, **kwargs)

        monkeypatch.setattr(SESBackend, "send_email", send_email)
        try:
            yield harness
        finally:
            cloud.close()
