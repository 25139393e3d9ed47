"""deployment-wide jobs (the retention purge runs once per interval, not in every web replica)

Revision ID: 0003_inbox_jobs
Revises: 0002_accounts_inbox
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_inbox_jobs"
down_revision = "0002_accounts_inbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("holder", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("jobs")
