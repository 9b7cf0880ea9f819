"""sla targets

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import gridcare.db

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sla_targets',
    sa.Column('utility', sa.String(length=10), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('area_class', sa.String(length=10), nullable=False),
    sa.Column('step', sa.String(length=10), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=True),
    sa.Column('clock', sa.String(length=10), nullable=False),
    sa.Column('from_step', sa.String(length=10), nullable=False),
    sa.Column('warn_at', sa.Float(), nullable=False),
    sa.Column('updated_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('utility', 'category', 'area_class', 'step', name=op.f('pk_sla_targets'))
    )


def downgrade() -> None:
    op.drop_table('sla_targets')
