"""A new account's first inbox entry, sent the first time its address is proven (the emailed link,
a password reset link, or an OIDC provider vouching for it)."""

from __future__ import annotations

from sqlalchemy.orm import Session as DbSession

from veriflow.identity.user_models import User
from veriflow.messaging.notification import Category, Channel, NotificationMessage, Recipients
from veriflow.messaging.notify import enqueue_after_commit

TEMPLATE = "auth.welcome"


def welcome_after_commit(db: DbSession, user: User) -> None:
    """Queued with the transaction that proves the address (the outbox). One idempotency key per
    account: a second proof, a relayed-again or redelivered message adds nothing to the inbox."""
    enqueue_after_commit(db, NotificationMessage(
        idempotency_key=f"{TEMPLATE}:{user.id}", recipients=Recipients(user_ids=[user.id]),
        category=Category.SYSTEM, template=TEMPLATE, data={"display_name": user.display_name},
        channels=[Channel.IN_APP],
    ))
