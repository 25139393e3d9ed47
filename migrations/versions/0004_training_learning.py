"""editors' drafts, model versions, de-identified messages to learn from

Revision ID: 0004_training_learning
Revises: 0002_accounts_inbox
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_training_learning"
down_revision = "0003_inbox_jobs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "training_drafts",
        sa.Column("intent", sa.String(64), primary_key=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("published_in", sa.Integer(), nullable=True),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "model_versions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("stage", sa.String(200), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("model_path", sa.String(500), nullable=True),
        sa.Column("report", sa.Text(), nullable=False),
        sa.Column("activated_at", sa.DateTime(), nullable=True),
        sa.Column("activated_by", sa.String(64), nullable=True),
    )
    op.create_table(
        "learning_messages",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("conversation", sa.String(64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("pending", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("intent", sa.String(64), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("handled", sa.String(64), nullable=True),
        sa.Column("handled_by", sa.String(64), nullable=True),
    )
    op.create_index("ix_learning_messages_at", "learning_messages", ["at"])
    op.create_index("ix_learning_messages_conversation", "learning_messages", ["conversation"])
    op.create_index("ix_learning_messages_pending", "learning_messages", ["pending"])


def downgrade() -> None:
    op.drop_table("learning_messages")
    op.drop_table("model_versions")
    op.drop_table("training_drafts")
