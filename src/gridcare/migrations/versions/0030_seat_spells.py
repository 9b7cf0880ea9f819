"""seat_spells: the stretches agents were signed in at their seats, for the staffing forecast

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-07
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import gridcare.db

revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'seat_spells',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('org_path', sa.String(length=200), nullable=False),
        sa.Column('started_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('ended_at', gridcare.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_seat_spells_user_open', 'seat_spells', ['user_id', 'ended_at'])
    op.create_index('ix_seat_spells_org_path', 'seat_spells', ['org_path'])
    op.create_index('ix_seat_spells_started_at', 'seat_spells', ['started_at'])


def downgrade() -> None:
    op.drop_table('seat_spells')
