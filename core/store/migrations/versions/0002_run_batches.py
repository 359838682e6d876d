"""Compact run outcomes: the rows of a batch that share its common answer, packed.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

A warm sync of a million rows wrote a million `run_outcomes` rows that all said "accepted";
`run_batches` keeps one row per batch instead (contact pks packed as little-endian int64), and
`run_outcomes` keeps the rows answered otherwise.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "run_batches",
        sa.Column("run_pk", _PK, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("operation", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("vendor_ref", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("contact_pks", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_pk"], ["runs.pk"], name=op.f("fk_run_batches_run_pk_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("run_pk", "seq", name=op.f("pk_run_batches")),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("run_batches")
