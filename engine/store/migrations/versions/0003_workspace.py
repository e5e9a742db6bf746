"""workspace: sign-in requests, web sessions, import drafts

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03

The browser workspace (``engine.workspace``): ``signin_requests`` (every request for a
sign-in link, which also limits requests per address), ``web_sessions`` (signed-in
browsers, by the SHA-256 of their cookie) and ``import_drafts`` (plans imported in the
browser while they are corrected). New tables only: nothing stored before changes.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import engine.store.types
from sqlalchemy.dialects import postgresql

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('import_drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('created_at', engine.store.types.UTCDateTime(), nullable=False),
    sa.Column('filename', sa.String(length=300), nullable=False),
    sa.Column('format', sa.String(length=20), nullable=False),
    sa.Column('plan', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('unmatched', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('loaded_at', engine.store.types.UTCDateTime(), nullable=True),
    sa.Column('plan_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_import_drafts_contact_id_contacts')),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_import_drafts_plan_id_plans')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_drafts'))
    )
    with op.batch_alter_table('import_drafts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_drafts_contact_id'), ['contact_id'], unique=False)

    op.create_table('signin_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('client', sa.String(length=64), nullable=False),
    sa.Column('at', engine.store.types.UTCDateTime(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('nonce_hash', sa.String(length=64), nullable=True),
    sa.Column('expires_at', engine.store.types.UTCDateTime(), nullable=True),
    sa.Column('used_at', engine.store.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_signin_requests_contact_id_contacts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signin_requests'))
    )
    with op.batch_alter_table('signin_requests', schema=None) as batch_op:
        batch_op.create_index('ix_signin_requests_client_at', ['client', 'at'], unique=False)
        batch_op.create_index('ix_signin_requests_email_at', ['email', 'at'], unique=False)

    op.create_table('web_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('created_at', engine.store.types.UTCDateTime(), nullable=False),
    sa.Column('expires_at', engine.store.types.UTCDateTime(), nullable=False),
    sa.Column('ended_at', engine.store.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_web_sessions_contact_id_contacts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_web_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_web_sessions_token_hash'))
    )
    with op.batch_alter_table('web_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_web_sessions_contact_id'), ['contact_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('web_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_web_sessions_contact_id'))

    op.drop_table('web_sessions')
    with op.batch_alter_table('signin_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_signin_requests_email_at')
        batch_op.drop_index('ix_signin_requests_client_at')

    op.drop_table('signin_requests')
    with op.batch_alter_table('import_drafts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_drafts_contact_id'))

    op.drop_table('import_drafts')
