"""Organizations say where they issue from (country); uploads (the file someone asked to verify, what
the intake found it to be, where it came from) and their verification reports (one per upload: trust
score, confidence, verdict, each layer's result).

Revision ID: 0009_uploads
Revises: 0008_certificates
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009_uploads"
down_revision: str | None = "0008_certificates"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("country", sa.String(length=2), nullable=True))
    op.create_table(
        "uploads",
        sa.Column("owner_user_id", sa.Uuid(), nullable=True),
        sa.Column("owner_org_id", sa.Uuid(), nullable=True),
        sa.Column("created_by_key", sa.Uuid(), nullable=True),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("claimed_certificate_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("content_type", sa.String(length=32), nullable=False),
        sa.Column("object_key", sa.String(length=300), nullable=False),
        sa.Column("rejection_code", sa.String(length=40), nullable=True),
        sa.Column("rejection", sa.String(length=300), nullable=True),
        sa.Column("kind", sa.String(length=8), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("pages", sa.Integer(), nullable=True),
        sa.Column("client_ip", sa.String(length=45), nullable=True),
        sa.Column("ip_country", sa.String(length=2), nullable=True),
        sa.Column("gps_lat", sa.Float(), nullable=True),
        sa.Column("gps_lon", sa.Float(), nullable=True),
        sa.Column("execution_arn", sa.String(length=400), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_key"],
            ["org_api_keys.id"],
            name=op.f("fk_uploads_created_by_key_org_api_keys"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["owner_org_id"],
            ["organizations.id"],
            name=op.f("fk_uploads_owner_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_user_id"], ["users.id"], name=op.f("fk_uploads_owner_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_uploads")),
        sa.UniqueConstraint("object_key", name=op.f("uq_uploads_object_key")),
    )
    with op.batch_alter_table("uploads", schema=None) as batch_op:
        batch_op.create_index("ix_uploads_org_created", ["owner_org_id", "created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_uploads_sha256"), ["sha256"], unique=False)
        batch_op.create_index("ix_uploads_user_created", ["owner_user_id", "created_at"], unique=False)

    op.create_table(
        "verification_reports",
        sa.Column("upload_id", sa.Uuid(), nullable=False),
        sa.Column("trust_score", sa.Integer(), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column(
            "layers", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("execution_name", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["upload_id"], ["uploads.id"], name=op.f("fk_verification_reports_upload_id_uploads"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("upload_id", name=op.f("pk_verification_reports")),
    )


def downgrade() -> None:
    op.drop_table("verification_reports")
    with op.batch_alter_table("uploads", schema=None) as batch_op:
        batch_op.drop_index("ix_uploads_user_created")
        batch_op.drop_index(batch_op.f("ix_uploads_sha256"))
        batch_op.drop_index("ix_uploads_org_created")

    op.drop_table("uploads")
    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.drop_column("country")
