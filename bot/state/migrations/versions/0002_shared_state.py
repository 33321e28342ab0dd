"""Shared state for many workers: admin sessions, sign-in failures, rate limits, the update inbox;
writer-made interaction ids (64-bit); one vote per person and answer; indexes for retention.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":  # ids are made by the writer now, 64-bit
        op.alter_column("interactions", "id", type_=sa.BigInteger, server_default=None)
        op.execute("DROP SEQUENCE IF EXISTS interactions_id_seq CASCADE")
        op.alter_column("feedback", "interaction_id", type_=sa.BigInteger)
        op.alter_column("resolutions", "interaction_id", type_=sa.BigInteger)
    op.execute("DELETE FROM feedback WHERE id NOT IN (SELECT MAX(id) FROM feedback GROUP BY interaction_id, user_id)")
    op.create_index("ux_feedback_vote", "feedback", ["interaction_id", "user_id"], unique=True)
    op.create_index("ix_interactions_at", "interactions", ["at"])
    op.create_index("ix_states_updated", "states", ["updated"])
    op.create_table(
        "admin_sessions",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("user", sa.String(128), nullable=False),
        sa.Column("csrf", sa.String(64), nullable=False),
        sa.Column("expires", sa.Float, nullable=False, index=True),
    )
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(200), nullable=False, index=True),
        sa.Column("at", sa.Float, nullable=False),
    )
    op.create_table(
        "rate_limits",
        sa.Column("key", sa.String(128), primary_key=True),
        sa.Column("window", sa.BigInteger, nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("previous", sa.Integer, nullable=False),
    )
    op.create_table(
        "inbox",
        sa.Column("update_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("person", sa.String(64), nullable=False),
        sa.Column("payload", sa.JSON),
        sa.Column("received", sa.DateTime, nullable=False),
        sa.Column("claimed_by", sa.String(64)),
        sa.Column("lease_until", sa.Float),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("replied", sa.Integer, nullable=False, server_default="0"),
        sa.Column("done", sa.DateTime, index=True),
    )
    op.create_index("ix_inbox_person_pending", "inbox", ["person", "update_id"],
                    postgresql_where=sa.text("done IS NULL"), sqlite_where=sa.text("done IS NULL"))


def downgrade() -> None:
    op.drop_index("ix_inbox_person_pending", "inbox")
    for table in ("inbox", "rate_limits", "login_failures", "admin_sessions"):
        op.drop_table(table)
    op.drop_index("ix_states_updated", "states")
    op.drop_index("ix_interactions_at", "interactions")
    op.drop_index("ux_feedback_vote", "feedback")
