"""Issuer identity of organizations: a claimed domain proven by a DNS TXT record, and a platform
admin's verification.

The domain is unique among proven domains only (a partial unique index): an unproven claim never
blocks the domain's real owner from claiming and proving it.

Revision ID: 0007_issuer_identity
Revises: 0006_login_failures
Create Date: 2026-12-02
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

revision: str = "0007_issuer_identity"
down_revision: str | None = "0006_login_failures"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PROVEN = sa.text("domain_proven_at IS NOT NULL")


def upgrade() -> None:
    with _references_unenforced(), op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("domain", sa.String(length=253), nullable=True))
        batch_op.add_column(sa.Column("domain_token", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("domain_proven_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("domain_checked_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("domain_check_result", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("verified_by", sa.Uuid(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_organizations_verified_by_users"), "users", ["verified_by"], ["id"],
                                    ondelete="SET NULL")
        batch_op.create_index("uq_organizations_proven_domain", ["domain"], unique=True,
                              sqlite_where=PROVEN, postgresql_where=PROVEN)


def downgrade() -> None:
    with _references_unenforced(), op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.drop_index("uq_organizations_proven_domain", sqlite_where=PROVEN, postgresql_where=PROVEN)
        batch_op.drop_constraint(batch_op.f("fk_organizations_verified_by_users"), type_="foreignkey")
        batch_op.drop_column("verified_by")
        batch_op.drop_column("verified_at")
        batch_op.drop_column("domain_check_result")
        batch_op.drop_column("domain_checked_at")
        batch_op.drop_column("domain_proven_at")
        batch_op.drop_column("domain_token")
        batch_op.drop_column("domain")


@contextmanager
def _references_unenforced() -> Iterator[None]:
    """SQLite alters `organizations` by copying it and dropping the old table; with foreign keys
    on, that drop deletes every membership, invitation, API key and webhook endpoint (ON DELETE
    CASCADE). The pragma is a no-op inside a transaction, and every transaction here begins
    IMMEDIATE (core.db), so it is set between two, on the driver's connection."""
    if op.get_bind().dialect.name != "sqlite":
        yield
        return
    _set_foreign_keys("OFF")
    try:
        yield
    finally:
        _set_foreign_keys("ON")


def _set_foreign_keys(state: str) -> None:
    driver = op.get_bind().connection.dbapi_connection
    assert driver is not None
    was_open = driver.in_transaction
    if was_open:
        driver.execute("COMMIT")  # what ran before (earlier revisions) is committed early
    driver.execute(f"PRAGMA foreign_keys={state}")
    if was_open:
        driver.execute("BEGIN IMMEDIATE")  # SQLAlchemy's transaction goes on in this one
