"""grid planning — units and proposals

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import gridcare.db

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('planning_units',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('utility', sa.String(length=10), nullable=False),
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('geometry', sa.Text(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('customers', sa.Integer(), nullable=False),
    sa.Column('meters', sa.Integer(), nullable=False),
    sa.Column('line_km', sa.Float(), nullable=False),
    sa.Column('orders', JSON, nullable=False),
    sa.Column('monthly', JSON, nullable=False),
    sa.Column('history_months', sa.Integer(), nullable=False),
    sa.Column('current_grid_id', sa.Integer(), nullable=True),
    sa.Column('created_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['current_grid_id'], ['grids.id'], name=op.f('fk_planning_units_current_grid_id_grids')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_planning_units')),
    sa.UniqueConstraint('utility', 'code', name='uq_planning_units_utility_code')
    )
    with op.batch_alter_table('planning_units', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_planning_units_current_grid_id'), ['current_grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_planning_units_utility'), ['utility'], unique=False)

    op.create_table('planning_barriers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('utility', sa.String(length=10), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('geometry', sa.Text(), nullable=False),
    sa.Column('created_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_planning_barriers'))
    )
    with op.batch_alter_table('planning_barriers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_planning_barriers_utility'), ['utility'], unique=False)

    op.create_table('planning_proposals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('utility', sa.String(length=10), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('k', sa.Integer(), nullable=False),
    sa.Column('capacity_hours', sa.Float(), nullable=True),
    sa.Column('minimum_disruption', sa.Boolean(), nullable=False),
    sa.Column('use_forecast', sa.Boolean(), nullable=False),
    sa.Column('weights', JSON, nullable=False),
    sa.Column('barrier_ids', JSON, nullable=False),
    sa.Column('grids', JSON, nullable=False),
    sa.Column('scores', JSON, nullable=False),
    sa.Column('current_scores', JSON, nullable=False),
    sa.Column('forecast', JSON, nullable=False),
    sa.Column('seconds', sa.Float(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('effective_from', gridcare.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('adopted_at', gridcare.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('adopted_by', sa.String(length=64), nullable=True),
    sa.Column('adoption', JSON, nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_planning_proposals'))
    )
    with op.batch_alter_table('planning_proposals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_planning_proposals_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_planning_proposals_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_planning_proposals_utility'), ['utility'], unique=False)


def downgrade() -> None:
    op.drop_table('planning_proposals')
    op.drop_table('planning_barriers')
    op.drop_table('planning_units')
