"""agent_shifts: the agents' roster, each shift an agent is due at their seat

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-07
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import gridcare.db

revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'agent_shifts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('org_path', sa.String(length=200), nullable=False),
        sa.Column('starts_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('ends_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('created_by', sa.String(length=64), nullable=False),
        sa.Column('created_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_agent_shifts_user_start', 'agent_shifts', ['user_id', 'starts_at'])
    op.create_index('ix_agent_shifts_org_path', 'agent_shifts', ['org_path'])
    op.create_index('ix_agent_shifts_starts_at', 'agent_shifts', ['starts_at'])


def downgrade() -> None:
    op.drop_table('agent_shifts')
