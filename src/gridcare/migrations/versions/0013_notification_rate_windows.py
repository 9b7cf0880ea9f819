"""notifications: the rate-limit window each message was planned into

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import gridcare.db

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('notifications') as batch:
        batch.add_column(sa.Column('rate_window', gridcare.db.UTCDateTime(timezone=True), nullable=True))
    op.create_index('ix_notifications_rate_window', 'notifications', ['channel', 'rate_window'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_notifications_rate_window', table_name='notifications')
    with op.batch_alter_table('notifications') as batch:
        batch.drop_column('rate_window')
