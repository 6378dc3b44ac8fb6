"""Certificates and their anchor batches: the canonical document and its hash, the image"s SHA-256 and
perceptual hash (in four indexed bands, for the registry"s lookups), the Merkle path, revocation;
on PostgreSQL a GIN index for full-text search over the recipient"s name and the title.

Revision ID: 0008_certificates
Revises: 0007_issuer_identity
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008_certificates"
down_revision: str | None = "0007_issuer_identity"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "certificate_batches",
        sa.Column("root", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("contract_address", sa.String(length=42), nullable=False),
        sa.Column("sender", sa.String(length=42), nullable=False),
        sa.Column("nonce", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("raw_tx", sa.Text(), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=True),
        sa.Column("gas_used", sa.BigInteger(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("mined_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finalized_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resends", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificate_batches")),
        sa.UniqueConstraint("root", name=op.f("uq_certificate_batches_root")),
    )
    with op.batch_alter_table("certificate_batches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_certificate_batches_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_certificate_batches_tx_hash"), ["tx_hash"], unique=False)

    op.create_table(
        "certificates",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("client_key", sa.String(length=100), nullable=True),
        sa.Column("issued_by_user", sa.Uuid(), nullable=True),
        sa.Column("issued_by_key", sa.Uuid(), nullable=True),
        sa.Column("recipient_name", sa.String(length=200), nullable=False),
        sa.Column("recipient_email", sa.String(length=320), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.String(length=2000), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "extra", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("image_key", sa.String(length=300), nullable=False),
        sa.Column("image_rejection", sa.String(length=300), nullable=True),
        sa.Column("image_content_type", sa.String(length=32), nullable=True),
        sa.Column("image_width", sa.Integer(), nullable=True),
        sa.Column("image_height", sa.Integer(), nullable=True),
        sa.Column("image_sha256", sa.String(length=64), nullable=True),
        sa.Column("image_phash", sa.String(length=16), nullable=True),
        sa.Column("phash_band0", sa.Integer(), nullable=True),
        sa.Column("phash_band1", sa.Integer(), nullable=True),
        sa.Column("phash_band2", sa.Integer(), nullable=True),
        sa.Column("phash_band3", sa.Integer(), nullable=True),
        sa.Column("document", sa.Text(), nullable=True),
        sa.Column("document_sha256", sa.String(length=64), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("batch_id", sa.Uuid(), nullable=True),
        sa.Column(
            "merkle_path", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=True
        ),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_reason", sa.String(length=500), nullable=True),
        sa.Column("revoked_by", sa.Uuid(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["certificate_batches.id"], name=op.f("fk_certificates_batch_id_certificate_batches")
        ),
        sa.ForeignKeyConstraint(
            ["issued_by_key"],
            ["org_api_keys.id"],
            name=op.f("fk_certificates_issued_by_key_org_api_keys"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["issued_by_user"], ["users.id"], name=op.f("fk_certificates_issued_by_user_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_certificates_org_id_organizations"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by"], ["users.id"], name=op.f("fk_certificates_revoked_by_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificates")),
        sa.UniqueConstraint("document_sha256", name=op.f("uq_certificates_document_sha256")),
        sa.UniqueConstraint("org_id", "client_key", name="uq_certificates_org_client_key"),
    )
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_certificates_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_certificates_image_sha256"), ["image_sha256"], unique=False)
        batch_op.create_index("ix_certificates_org_created", ["org_id", "created_at", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_certificates_phash_band0"), ["phash_band0"], unique=False)
        batch_op.create_index(batch_op.f("ix_certificates_phash_band1"), ["phash_band1"], unique=False)
        batch_op.create_index(batch_op.f("ix_certificates_phash_band2"), ["phash_band2"], unique=False)
        batch_op.create_index(batch_op.f("ix_certificates_phash_band3"), ["phash_band3"], unique=False)
        batch_op.create_index("ix_certificates_status_created", ["status", "created_at"], unique=False)
    # The expression must stay the one certificates/search.py queries with, or the index is unused.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE INDEX ix_certificates_search ON certificates "
            "USING gin (to_tsvector('simple', recipient_name || ' ' || title))"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_certificates_search")
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_index("ix_certificates_status_created")
        batch_op.drop_index(batch_op.f("ix_certificates_phash_band3"))
        batch_op.drop_index(batch_op.f("ix_certificates_phash_band2"))
        batch_op.drop_index(batch_op.f("ix_certificates_phash_band1"))
        batch_op.drop_index(batch_op.f("ix_certificates_phash_band0"))
        batch_op.drop_index("ix_certificates_org_created")
        batch_op.drop_index(batch_op.f("ix_certificates_image_sha256"))
        batch_op.drop_index(batch_op.f("ix_certificates_batch_id"))

    op.drop_table("certificates")
    with op.batch_alter_table("certificate_batches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificate_batches_tx_hash"))
        batch_op.drop_index(batch_op.f("ix_certificate_batches_status"))

    op.drop_table("certificate_batches")
