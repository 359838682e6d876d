"""Change revisions: a re-sync looks only at members whose data changed.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23

`contacts.revision` goes up each time a store writer changes what a contact may send (an
identifier, an attribute, a consent state, the lifecycle). Each ledger row records the
revision its data came from and the `basis` (a fingerprint of the destination's settings and
the planner's rules) it was planned under. A held member whose ledger row matches both, and
is not due for a refresh, is settled: the planner counts it without reading its identifiers.
Rows written before this revision have no revision and are looked at once more.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("contacts") as batch:
        batch.add_column(
            sa.Column("revision", sa.Integer(), nullable=False, server_default=sa.text("1"))
        )
    with op.batch_alter_table("ledger") as batch:
        batch.add_column(sa.Column("revision", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("basis", sa.Text(), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("ledger") as batch:
        batch.drop_column("basis")
        batch.drop_column("revision")
    with op.batch_alter_table("contacts") as batch:
        batch.drop_column("revision")
