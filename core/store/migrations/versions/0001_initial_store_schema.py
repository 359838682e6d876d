"""Initial store schema: every table of the store contract.

Revision ID: 0001
Revises:
Create Date: 2026-11-23

Types are spelled out here (not imported from `schema`) so this revision keeps creating the
same tables whatever later code does; the store's `UtcDateTime` and `Money` are plain
`TIMESTAMP WITH TIME ZONE` and `NUMERIC(18, 4)` in DDL.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TIMESTAMP = sa.DateTime(timezone=True)
_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "audiences",
        sa.Column("pk", _PK, autoincrement=True, nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("definition_hash", sa.Text(), nullable=False),
        sa.Column("computed_at", _TIMESTAMP, nullable=True),
        sa.Column("member_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_audiences")),
        sa.UniqueConstraint("key", name=op.f("uq_audiences_key")),
    )
    op.create_table(
        "audit_log",
        sa.Column("pk", _PK, autoincrement=True, nullable=False),
        sa.Column("at", _TIMESTAMP, nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("detail", _JSON, nullable=False),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_action_at"), "audit_log", ["action", "at"], unique=False)

    op.create_table(
        "contacts",
        sa.Column("pk", _PK, autoincrement=True, nullable=False),
        sa.Column("contact_id", sa.Text(), nullable=False),
        sa.Column("lifecycle", sa.Text(), nullable=True),
        sa.Column("created_at", _TIMESTAMP, nullable=False),
        sa.Column("updated_at", _TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_contacts")),
        sa.UniqueConstraint("contact_id", name=op.f("uq_contacts_contact_id")),
    )
    op.create_table(
        "import_checkpoints",
        sa.Column("source_key", sa.Text(), nullable=False),
        sa.Column("rows_committed", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", _TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("source_key", name=op.f("pk_import_checkpoints")),
    )
    op.create_table(
        "ledger",
        sa.Column("audience_key", sa.Text(), nullable=False),
        sa.Column("destination", sa.Text(), nullable=False),
        sa.Column("contact_pk", _PK, nullable=False),
        sa.Column("member_key", sa.Text(), nullable=False),
        sa.Column("sent", _JSON, nullable=False),
        sa.Column("vendor_ref", sa.Text(), nullable=True),
        sa.Column("acknowledged_at", _TIMESTAMP, nullable=False),
        sa.Column("refreshed_at", _TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint(
            "audience_key", "destination", "contact_pk", name=op.f("pk_ledger")
        ),
    )
    op.create_index(op.f("ix_ledger_contact_pk"), "ledger", ["contact_pk"], unique=False)

    op.create_table(
        "rejections",
        sa.Column("audience_key", sa.Text(), nullable=False),
        sa.Column("destination", sa.Text(), nullable=False),
        sa.Column("contact_pk", _PK, nullable=False),
        sa.Column("member_key", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("code", sa.Text(), nullable=True),
        sa.Column("at", _TIMESTAMP, nullable=False),
        sa.Column("run_pk", _PK, nullable=True),
        sa.PrimaryKeyConstraint(
            "audience_key", "destination", "contact_pk", name=op.f("pk_rejections")
        ),
    )
    op.create_table(
        "runs",
        sa.Column("pk", _PK, autoincrement=True, nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("audience_key", sa.Text(), nullable=True),
        sa.Column("destination", sa.Text(), nullable=True),
        sa.Column("started_at", _TIMESTAMP, nullable=False),
        sa.Column("finished_at", _TIMESTAMP, nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("counts", _JSON, nullable=False),
        sa.Column("session_state", _JSON, nullable=True),
        sa.Column("plan", _JSON, nullable=True),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_runs")),
    )
    op.create_index(
        op.f("ix_runs_kind_audience_key_destination_started_at"),
        "runs",
        ["kind", "audience_key", "destination", "started_at"],
        unique=False,
    )

    op.create_table(
        "store_meta",
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_store_meta")),
    )
    op.create_table(
        "tombstones",
        sa.Column("digest", sa.Text(), nullable=False),
        sa.Column("created_at", _TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_tombstones")),
    )
    op.create_table(
        "attributes",
        sa.Column("contact_pk", _PK, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("value", _JSON, nullable=True),
        sa.ForeignKeyConstraint(
            ["contact_pk"],
            ["contacts.pk"],
            name=op.f("fk_attributes_contact_pk_contacts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("contact_pk", "name", name=op.f("pk_attributes")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "audience_members",
        sa.Column("audience_pk", _PK, nullable=False),
        sa.Column("contact_pk", _PK, nullable=False),
        sa.Column("since", _TIMESTAMP, nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("segment", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["audience_pk"],
            ["audiences.pk"],
            name=op.f("fk_audience_members_audience_pk_audiences"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contact_pk"],
            ["contacts.pk"],
            name=op.f("fk_audience_members_contact_pk_contacts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("audience_pk", "contact_pk", name=op.f("pk_audience_members")),
        sqlite_with_rowid=False,
    )
    op.create_index(
        op.f("ix_audience_members_contact_pk"), "audience_members", ["contact_pk"], unique=False
    )

    op.create_table(
        "consent_current",
        sa.Column("contact_pk", _PK, nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("at", _TIMESTAMP, nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_pk"],
            ["contacts.pk"],
            name=op.f("fk_consent_current_contact_pk_contacts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("contact_pk", "purpose", name=op.f("pk_consent_current")),
        sqlite_with_rowid=False,
    )
    op.create_index(
        op.f("ix_consent_current_purpose_state"),
        "consent_current",
        ["purpose", "state"],
        unique=False,
    )

    op.create_table(
        "consent_history",
        sa.Column("pk", _PK, autoincrement=True, nullable=False),
        sa.Column("contact_pk", _PK, nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("at", _TIMESTAMP, nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("recorded_at", _TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_pk"],
            ["contacts.pk"],
            name=op.f("fk_consent_history_contact_pk_contacts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_consent_history")),
        sa.UniqueConstraint(
            "contact_pk",
            "purpose",
            "at",
            "state",
            "source",
            name=op.f("uq_consent_history_contact_pk_purpose_at_state_source"),
        ),
    )
    op.create_table(
        "digests",
        sa.Column("contact_pk", _PK, nullable=False),
        sa.Column("profile", sa.Text(), nullable=False),
        sa.Column("field", sa.Text(), nullable=False),
        sa.Column("digest", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_pk"],
            ["contacts.pk"],
            name=op.f("fk_digests_contact_pk_contacts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("contact_pk", "profile", "field", name=op.f("pk_digests")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "events",
        sa.Column("pk", _PK, autoincrement=True, nullable=False),
        sa.Column("event_id", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("occurred_at", _TIMESTAMP, nullable=False),
        sa.Column("contact_pk", _PK, nullable=True),
        sa.Column("value", sa.Numeric(18, 4), nullable=True),
        sa.Column("currency", sa.Text(), nullable=True),
        sa.Column("order_id", sa.Text(), nullable=True),
        sa.Column("items", _JSON, nullable=False),
        sa.Column("properties", _JSON, nullable=False),
        sa.Column("click_ids", _JSON, nullable=False),
        sa.Column("client_ip", sa.Text(), nullable=True),
        sa.Column("user_agent", sa.Text(), nullable=True),
        sa.Column("source_url", sa.Text(), nullable=True),
        sa.Column("action_source", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("received_at", _TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_pk"],
            ["contacts.pk"],
            name=op.f("fk_events_contact_pk_contacts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_events")),
        sa.UniqueConstraint("event_id", name=op.f("uq_events_event_id")),
    )
    op.create_index(
        op.f("ix_events_contact_pk_name_occurred_at"),
        "events",
        ["contact_pk", "name", "occurred_at"],
        unique=False,
    )

    op.create_table(
        "identifiers",
        sa.Column("contact_pk", _PK, nullable=False),
        sa.Column("field", sa.Text(), nullable=False),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column("normalized", sa.Text(), nullable=True),
        sa.Column("drop_reason", sa.Text(), nullable=True),
        sa.Column("updated_at", _TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_pk"],
            ["contacts.pk"],
            name=op.f("fk_identifiers_contact_pk_contacts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("contact_pk", "field", name=op.f("pk_identifiers")),
        sqlite_with_rowid=False,
    )
    op.create_index(
        op.f("ix_identifiers_field_normalized"),
        "identifiers",
        ["field", "normalized"],
        unique=False,
    )

    op.create_table(
        "run_outcomes",
        sa.Column("run_pk", _PK, nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("contact_pk", _PK, nullable=True),
        sa.Column("operation", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("code", sa.Text(), nullable=True),
        sa.Column("vendor_ref", sa.Text(), nullable=True),
        sa.Column("at", _TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["run_pk"], ["runs.pk"], name=op.f("fk_run_outcomes_run_pk_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("run_pk", "key", "operation", name=op.f("pk_run_outcomes")),
    )
    op.create_table(
        "outbox",
        sa.Column("event_pk", _PK, nullable=False),
        sa.Column("destination", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", _TIMESTAMP, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("updated_at", _TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["event_pk"], ["events.pk"], name=op.f("fk_outbox_event_pk_events"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("event_pk", "destination", name=op.f("pk_outbox")),
    )
    op.create_index(
        op.f("ix_outbox_destination_status_next_attempt_at"),
        "outbox",
        ["destination", "status", "next_attempt_at"],
        unique=False,
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index(op.f("ix_outbox_destination_status_next_attempt_at"), table_name="outbox")

    op.drop_table("outbox")
    op.drop_table("run_outcomes")
    op.drop_index(op.f("ix_identifiers_field_normalized"), table_name="identifiers")

    op.drop_table("identifiers")
    op.drop_index(op.f("ix_events_contact_pk_name_occurred_at"), table_name="events")

    op.drop_table("events")
    op.drop_table("digests")
    op.drop_table("consent_history")
    op.drop_index(op.f("ix_consent_current_purpose_state"), table_name="consent_current")

    op.drop_table("consent_current")
    op.drop_index(op.f("ix_audience_members_contact_pk"), table_name="audience_members")

    op.drop_table("audience_members")
    op.drop_table("attributes")
    op.drop_table("tombstones")
    op.drop_table("store_meta")
    op.drop_index(op.f("ix_runs_kind_audience_key_destination_started_at"), table_name="runs")

    op.drop_table("runs")
    op.drop_table("rejections")
    op.drop_index(op.f("ix_ledger_contact_pk"), table_name="ledger")

    op.drop_table("ledger")
    op.drop_table("import_checkpoints")
    op.drop_table("contacts")
    op.drop_index(op.f("ix_audit_log_action_at"), table_name="audit_log")

    op.drop_table("audit_log")
    op.drop_table("audiences")
