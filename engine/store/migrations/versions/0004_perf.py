"""an index on the due date

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03

``agenda``, ``calendar`` and ``export ics`` select obligations by a span of due dates
and list them by due date; the two indexes that start with other columns (agency,
status) cannot serve that.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('obligations', schema=None) as batch_op:
        batch_op.create_index('ix_obligations_due_on', ['due_on'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('obligations', schema=None) as batch_op:
        batch_op.drop_index('ix_obligations_due_on')
