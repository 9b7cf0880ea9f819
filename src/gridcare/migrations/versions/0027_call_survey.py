"""call_records.satisfaction: the caller's rating in the IVR survey after the call

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('call_records') as batch_op:
        batch_op.add_column(sa.Column('satisfaction', sa.SmallInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('call_records') as batch_op:
        batch_op.drop_column('satisfaction')
