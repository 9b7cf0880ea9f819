"""hotline_targets: a company hotline's service target and shift rules

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-07
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import gridcare.db

revision = '0033'
down_revision = '0032'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'hotline_targets',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('org_unit_id', sa.Integer(), nullable=False),
        sa.Column('org_path', sa.String(length=200), nullable=False),
        sa.Column('weeks', sa.SmallInteger(), nullable=False),
        sa.Column('target_seconds', sa.Integer(), nullable=False),
        sa.Column('service_level', sa.SmallInteger(), nullable=False),
        sa.Column('shrinkage', sa.SmallInteger(), nullable=False),
        sa.Column('shift_hours', sa.SmallInteger(), nullable=False),
        sa.Column('starts', sa.String(length=100), nullable=False),
        sa.Column('workdays', sa.SmallInteger(), nullable=False),
        sa.Column('updated_by', sa.String(length=64), nullable=False),
        sa.Column('updated_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['org_unit_id'], ['org_units.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('org_unit_id'),
    )
    op.create_index('ix_hotline_targets_org_path', 'hotline_targets', ['org_path'])


def downgrade() -> None:
    op.drop_table('hotline_targets')
