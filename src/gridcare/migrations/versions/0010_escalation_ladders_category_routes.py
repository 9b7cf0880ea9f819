"""escalation ladders and category routes as data

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import gridcare.db

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('escalation_rungs',
    sa.Column('utility', sa.String(length=10), nullable=False),
    sa.Column('rung', sa.Integer(), nullable=False),
    sa.Column('after_minutes', sa.Integer(), nullable=False),
    sa.Column('audience', sa.String(length=30), nullable=False),
    sa.Column('updated_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('utility', 'rung', name=op.f('pk_escalation_rungs'))
    )
    op.create_table('category_routes',
    sa.Column('utility', sa.String(length=10), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('org_unit_id', sa.Integer(), nullable=False),
    sa.Column('updated_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['org_unit_id'], ['org_units.id'], name=op.f('fk_category_routes_org_unit_id_org_units')),
    sa.PrimaryKeyConstraint('utility', 'category', name=op.f('pk_category_routes'))
    )


def downgrade() -> None:
    op.drop_table('category_routes')
    op.drop_table('escalation_rungs')
