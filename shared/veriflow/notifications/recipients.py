"""Who a message reaches, and on which channels each recipient may be reached at all."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from veriflow.access.permissions import OrgRole
from veriflow.identity.org_models import Membership
from veriflow.identity.user_models import User, UserRole
from veriflow.messaging.notification import Category, Channel, NotificationMessage
from veriflow.notifications.models import NotificationPreference
from veriflow.notifications.preferences import QuietHours

# An organization is told through the people who run it.
ORG_CONTACT_ROLES = (OrgRole.OWNER.value, OrgRole.ADMIN.value)


@dataclass(frozen=True)
class Target:
    """One recipient: its key in the delivery log and where it can be reached."""

    key: str
    user_id: uuid.UUID | None = None
    email: str | None = None
    phone: str | None = None
    org_id: uuid.UUID | None = None
    channels_allowed: frozenset[Channel] = frozenset()
    # Preferences and quiet hours apply to people with an account only.
    overrides: dict[str, dict[str, bool]] | None = None
    quiet_hours: QuietHours | None = None
    personal: bool = False
    extra: dict[str, str] = field(default_factory=dict)


def _user_target(user: User, preference: NotificationPreference | None, category: Category) -> Target:
    allowed = {Channel.IN_APP}
    # Unconfirmed addresses get security mail only (that is how they get confirmed).
    if user.email_verified_at is not None or category is Category.SECURITY:
        allowed.add(Channel.EMAIL)
    if user.phone_number and user.phone_verified_at is not None:
        allowed.add(Channel.SMS)
    quiet = None
    if preference is not None and preference.quiet_hours_start is not None and preference.quiet_hours_end is not None:
        quiet = QuietHours(preference.quiet_hours_start, preference.quiet_hours_end, preference.timezone)
    return Target(
        key=str(user.id), user_id=user.id, email=user.email, phone=user.phone_number,
        channels_allowed=frozenset(allowed), overrides=preference.channels if preference else None,
        quiet_hours=quiet, personal=True, extra={"display_name": user.display_name},
    )


def users(session: Session, user_ids: list[uuid.UUID], category: Category) -> list[Target]:
    """Accounts by id, in the order given; suspended accounts hear about security only."""
    if not user_ids:
        return []
    found = {user.id: user for user in session.scalars(select(User).where(User.id.in_(user_ids)))}
    preferences = {
        p.user_id: p for p in session.scalars(
            select(NotificationPreference).where(NotificationPreference.user_id.in_(list(found)))
        )
    }
    targets = []
    for user_id in dict.fromkeys(user_ids):
        user = found.get(user_id)
        if user is None or (user.status != "active" and category is not Category.SECURITY):
            continue
        targets.append(_user_target(user, preferences.get(user_id), category))
    return targets


def resolve(session: Session, message: NotificationMessage) -> list[Target]:
    """Every recipient of a message that names them directly (segments are fanned out first)."""
    recipients = message.recipients
    if recipients.user_ids:
        return users(session, recipients.user_ids, message.category)
    if recipients.emails:
        return [Target(key=email.strip().lower(), email=email.strip().lower(),
                       channels_allowed=frozenset({Channel.EMAIL})) for email in dict.fromkeys(recipients.emails)]
    if recipients.phones:
        return [Target(key=phone, phone=phone, channels_allowed=frozenset({Channel.SMS}))
                for phone in dict.fromkeys(recipients.phones)]
    if recipients.org_id is not None:
        contacts = list(session.scalars(
            select(Membership.user_id)
            .where(Membership.org_id == recipients.org_id, Membership.role.in_(ORG_CONTACT_ROLES))
            .order_by(Membership.user_id)
        ))
        org = Target(key=f"org:{recipients.org_id}", org_id=recipients.org_id,
                     channels_allowed=frozenset({Channel.WEBHOOK}))
        return [org, *users(session, contacts, message.category)]
    raise ValueError("a segment is fanned out before it is resolved")


def segment_batch(session: Session, segment: str, after: uuid.UUID | None, limit: int) -> list[uuid.UUID]:
    """The next `limit` active accounts of a segment ("all" or a platform role), by id."""
    query = select(User.id).where(User.status == "active").order_by(User.id).limit(limit)
    if segment != "all":
        query = query.where(User.id.in_(select(UserRole.user_id).where(UserRole.role == segment)))
    if after is not None:
        query = query.where(User.id > after)
    return list(session.scalars(query))
