"""outbox: index open rows per recipient

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""
from __future__ import annotations

from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index('ix_outbox_key', table_name='outbox')
    op.create_index('ix_outbox_key_open', 'outbox', ['key', 'status', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_outbox_key_open', table_name='outbox')
    op.create_index('ix_outbox_key', 'outbox', ['key', 'id'], unique=False)
