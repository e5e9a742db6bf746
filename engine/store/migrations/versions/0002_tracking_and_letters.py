"""tracking start, tracked obligations, one letter per escalation day

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30

Adds ``plans.track_from`` (null: plans loaded before this revision track everything, as
before), ``obligations.tracked`` (true for every existing obligation), and
``letters.key`` / ``letters.items`` (null for the letters made before).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.add_column(sa.Column('track_from', sa.Date(), nullable=True))

    with op.batch_alter_table('obligations', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('tracked', sa.Boolean(), server_default=sa.true(), nullable=False)
        )

    with op.batch_alter_table('letters', schema=None) as batch_op:
        batch_op.add_column(sa.Column('key', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('items', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_letters_key'), ['key'])


def downgrade() -> None:
    with op.batch_alter_table('letters', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_letters_key'), type_='unique')
        batch_op.drop_column('items')
        batch_op.drop_column('key')

    # Not in batch mode: SQLite (3.35+) drops a column in place, while a batch would
    # recreate these tables, which other tables' foreign keys point at.
    op.drop_column('obligations', 'tracked')
    op.drop_column('plans', 'track_from')
