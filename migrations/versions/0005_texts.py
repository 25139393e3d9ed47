"""text store: revisions, published texts, version counter, word lists, resource edits

Revision ID: 0005_texts
Revises: 0002_accounts_inbox
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_texts"
down_revision = "0004_training_learning"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "text_revisions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("variations", sa.Text(), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("rollback_of", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("via", sa.String(8), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_text_revisions_name", "text_revisions", ["name"])
    op.create_table(
        "text_published",
        sa.Column("name", sa.String(120), primary_key=True),
        sa.Column("revision_id", sa.Integer(), sa.ForeignKey("text_revisions.id"), nullable=False),
        sa.Column("variations", sa.Text(), nullable=False),
    )
    op.create_table(
        "text_store_version",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.bulk_insert(sa.table("text_store_version", sa.column("id", sa.Integer()), sa.column("version", sa.Integer())),
                   [{"id": 1, "version": 0}])
    op.create_table(
        "text_word_lists",
        sa.Column("list_name", sa.String(16), primary_key=True),
        sa.Column("word", sa.String(80), primary_key=True),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "resource_edits",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("fields", sa.Text(), nullable=False),
        sa.Column("checked", sa.Date(), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_resource_edits_key", "resource_edits", ["key"])


def downgrade() -> None:
    op.drop_table("resource_edits")
    op.drop_table("text_word_lists")
    op.drop_table("text_store_version")
    op.drop_table("text_published")
    op.drop_table("text_revisions")
