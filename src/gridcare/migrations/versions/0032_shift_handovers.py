"""shift_handovers and their parties: the agents' shift handover (交接班)

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-07
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import gridcare.db

revision = '0032'
down_revision = '0031'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'shift_handovers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('org_path', sa.String(length=200), nullable=False),
        sa.Column('given_by', sa.Integer(), nullable=False),
        sa.Column('given_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('shift_starts_at', gridcare.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('shift_ends_at', gridcare.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('takes_over_at', gridcare.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('notes', sa.Text(), nullable=False),
        sa.Column('figures', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
        sa.Column('follow_ups', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
        sa.ForeignKeyConstraint(['given_by'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_shift_handovers_org_path', 'shift_handovers', ['org_path'])
    op.create_index('ix_shift_handovers_given_at', 'shift_handovers', ['given_at'])
    op.create_table(
        'shift_handover_parties',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('handover_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('named', sa.Boolean(), nullable=False),
        sa.Column('received_at', gridcare.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('note', sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(['handover_id'], ['shift_handovers.id']),
        sa.ForeignKeyConstraint(['user_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('handover_id', 'user_id'),
    )
    op.create_index('ix_shift_handover_parties_handover_id', 'shift_handover_parties', ['handover_id'])
    op.create_index('ix_shift_handover_parties_user', 'shift_handover_parties', ['user_id', 'received_at'])


def downgrade() -> None:
    op.drop_table('shift_handover_parties')
    op.drop_table('shift_handovers')
