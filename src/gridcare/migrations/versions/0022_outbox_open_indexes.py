"""outbox: partial indexes over the open rows only (pending by due time, leased by expiry,
open per recipient), instead of indexes over every row: delivered rows outnumber the open
ones a hundredfold, and each claim walked past them

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-04
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def _where(condition: str) -> dict[str, sa.TextClause]:
    return {"postgresql_where": sa.text(condition), "sqlite_where": sa.text(condition)}


def upgrade() -> None:
    op.drop_index('ix_outbox_due', table_name='outbox')
    op.drop_index('ix_outbox_key_open', table_name='outbox')
    op.create_index('ix_outbox_pending', 'outbox', ['available_at', 'id'], **_where("status = 'pending'"))
    op.create_index('ix_outbox_leased', 'outbox', ['claimed_until'], **_where("status = 'processing'"))
    op.create_index('ix_outbox_key_open', 'outbox', ['key', 'id'], **_where("status IN ('pending', 'processing')"))


def downgrade() -> None:
    op.drop_index('ix_outbox_key_open', table_name='outbox')
    op.drop_index('ix_outbox_leased', table_name='outbox')
    op.drop_index('ix_outbox_pending', table_name='outbox')
    op.create_index('ix_outbox_key_open', 'outbox', ['key', 'status', 'id'])
    op.create_index('ix_outbox_due', 'outbox', ['status', 'available_at'])
