"""jobs.idempotency_key: a retried POST /v1/jobs returns the job it already made

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("idempotency_key", sa.String(length=128), nullable=True))
        batch_op.create_index(
            "ix_jobs_tenant_idempotency", ["tenant", "idempotency_key"], unique=True
        )


def downgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_jobs_tenant_idempotency")
        batch_op.drop_column("idempotency_key")
