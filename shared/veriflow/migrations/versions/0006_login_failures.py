"""Lockout per email address, registered or not: failed password checks counted in their own table.

The users' `failed_logins` and `failed_window_started_at` are no longer written; they stay for the
code of the previous release and are dropped in a later one.

Revision ID: 0006_login_failures
Revises: 0005_outbox
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_login_failures"
down_revision: str | None = "0005_outbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "auth_login_failures",
        sa.Column("email_hash", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("email_hash", name=op.f("pk_auth_login_failures")),
    )
    with op.batch_alter_table("auth_login_failures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_auth_login_failures_updated_at"), ["updated_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("auth_login_failures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auth_login_failures_updated_at"))
    op.drop_table("auth_login_failures")
