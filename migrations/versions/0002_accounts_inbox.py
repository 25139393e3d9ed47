"""accounts, audit log and inbox

Revision ID: 0002_accounts_inbox
Revises: 0001_notes_outbox
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_accounts_inbox"
down_revision = "0001_notes_outbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=True),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("session_epoch", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_login_at", sa.DateTime(), nullable=True),
        sa.UniqueConstraint("name", name="uq_users_name"),
    )
    op.create_table(
        "user_teams",
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("team", sa.String(64), primary_key=True),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_used_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.UniqueConstraint("token_hash", name="uq_api_tokens_token_hash"),
    )
    op.create_index("ix_api_tokens_user_id", "api_tokens", ["user_id"])
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_login_failures_key_at", "login_failures", ["key", "at"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("via", sa.String(8), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("note_id", sa.String(36), nullable=True),
        sa.Column("reference", sa.String(16), nullable=True),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("detail", sa.String(200), nullable=False),
        sa.Column("ip", sa.String(64), nullable=True),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_action", "audit_log", ["action"])
    op.create_index("ix_audit_log_note_id", "audit_log", ["note_id"])
    op.create_table(
        "inbox_notes",
        sa.Column("note_id", sa.String(36), sa.ForeignKey("notes.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("team", sa.String(64), nullable=False),
        sa.Column("labels", sa.String(1000), nullable=False),
        sa.Column("has_contact", sa.Boolean(), nullable=False),
        sa.Column("assigned_to", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
        sa.Column("picked_up_at", sa.DateTime(), nullable=True),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.Column("done_remark", sa.Text(), nullable=True),
        sa.Column("routing_version", sa.String(16), nullable=False),
    )
    op.create_index("ix_inbox_notes_team", "inbox_notes", ["team"])
    op.create_index("ix_inbox_notes_assigned_to", "inbox_notes", ["assigned_to"])
    op.create_table(
        "inbox_note_labels",
        sa.Column("note_id", sa.String(36), sa.ForeignKey("notes.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("label", sa.String(64), primary_key=True),
    )
    op.create_index("ix_inbox_note_labels_label", "inbox_note_labels", ["label"])
    # The inbox lists notes newest first; the notes revision has no index on created_at.
    op.create_index("ix_notes_created_at_inbox", "notes", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_notes_created_at_inbox", table_name="notes")
    op.drop_table("inbox_note_labels")
    op.drop_table("inbox_notes")
    op.drop_table("audit_log")
    op.drop_table("login_failures")
    op.drop_table("api_tokens")
    op.drop_table("user_teams")
    op.drop_table("users")
