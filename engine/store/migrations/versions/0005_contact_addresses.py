"""contact addresses as rows

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07

A contact had a column per channel (``email``, ``telegram_chat_id``) and per channel's
flag (``email_flag``, ``telegram_flag``). They become rows of ``contact_addresses``
(contact, channel, address, flag), one per channel a contact is reached on, so that a
channel is added by the registry (``notifiers.registry``) and not by a migration. The
upgrade copies every address and its flag over (a chat id as text) and drops the columns;
the downgrade carries the email and Telegram rows back into the columns (the addresses of
channels added later have no column to go back to and are dropped with the table). A flag
kept on a contact without the address (delivery never writes one) is not carried.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import engine.store.types

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The columns of revision 0004 and the channel each became.
_COLUMNS = (('email', 'email', 'email_flag'), ('telegram', 'telegram_chat_id', 'telegram_flag'))


def upgrade() -> None:
    op.create_table('contact_addresses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=40), nullable=False),
    sa.Column('address', sa.String(length=1000), nullable=False),
    sa.Column('flag', sa.Text(), nullable=True),
    sa.Column('linked_at', engine.store.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_contact_addresses_contact_id_contacts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_addresses')),
    sa.UniqueConstraint('contact_id', 'channel', name=op.f('uq_contact_addresses_contact_id_channel'))
    )
    with op.batch_alter_table('contact_addresses', schema=None) as batch_op:
        batch_op.create_index('ix_contact_addresses_channel_address', ['channel', 'address'], unique=False)

    for channel, column, flag in _COLUMNS:
        op.execute(
            sa.text(
                "INSERT INTO contact_addresses (contact_id, channel, address, flag) "
                f"SELECT id, :channel, CAST({column} AS VARCHAR(1000)), {flag} FROM contacts "
                f"WHERE {column} IS NOT NULL ORDER BY id"
            ).bindparams(channel=channel)
        )

    # Dropped in place (SQLite 3.35 and later: ALTER TABLE … DROP COLUMN), not by batch
    # mode's copy of the table: with foreign keys on, dropping the old ``contacts`` would
    # break every notification, audit event and session that points at a contact.
    op.drop_index(op.f('ix_contacts_telegram_chat_id'), table_name='contacts')
    for column in ('telegram_flag', 'email_flag', 'telegram_chat_id', 'email'):
        op.drop_column('contacts', column)


def downgrade() -> None:
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column('telegram_chat_id', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('email_flag', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('telegram_flag', sa.Text(), nullable=True))
        batch_op.create_index(batch_op.f('ix_contacts_telegram_chat_id'), ['telegram_chat_id'], unique=False)

    for channel, column, flag in _COLUMNS:
        value = "a.address" if channel == 'email' else "CAST(a.address AS BIGINT)"
        for target, source in ((column, value), (flag, "a.flag")):
            op.execute(
                sa.text(
                    f"UPDATE contacts SET {target} = (SELECT {source} FROM contact_addresses a "
                    "WHERE a.contact_id = contacts.id AND a.channel = :channel)"
                ).bindparams(channel=channel)
            )

    with op.batch_alter_table('contact_addresses', schema=None) as batch_op:
        batch_op.drop_index('ix_contact_addresses_channel_address')

    op.drop_table('contact_addresses')
