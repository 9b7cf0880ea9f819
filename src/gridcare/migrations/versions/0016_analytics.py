"""analytics — KPI rollups, scorecards, snapshots

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import gridcare.db

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('analytics_daily_orders',
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('utility', sa.String(length=10), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=False),
    sa.Column('handler_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('channel', sa.String(length=12), nullable=False),
    sa.Column('org_path', sa.String(length=400), nullable=False),
    sa.Column('orders', sa.Integer(), nullable=False),
    sa.Column('accepted', sa.Integer(), nullable=False),
    sa.Column('accept_seconds', sa.Float(), nullable=False),
    sa.Column('arrived', sa.Integer(), nullable=False),
    sa.Column('arrive_seconds', sa.Float(), nullable=False),
    sa.Column('resolved', sa.Integer(), nullable=False),
    sa.Column('resolve_seconds', sa.Float(), nullable=False),
    sa.Column('sla_met', sa.Integer(), nullable=False),
    sa.Column('escalated', sa.Integer(), nullable=False),
    sa.Column('reopened', sa.Integer(), nullable=False),
    sa.Column('merged', sa.Integer(), nullable=False),
    sa.Column('repeats', sa.Integer(), nullable=False),
    sa.Column('first_contact', sa.Integer(), nullable=False),
    sa.Column('rated', sa.Integer(), nullable=False),
    sa.Column('satisfaction_sum', sa.Integer(), nullable=False),
    sa.Column('satisfied', sa.Integer(), nullable=False),
    sa.Column('open_now', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'utility', 'grid_id', 'handler_id', 'category', 'channel', 'org_path', name=op.f('pk_analytics_daily_orders'))
    )
    op.create_index('ix_analytics_daily_orders_grid_day', 'analytics_daily_orders', ['grid_id', 'day'], unique=False)
    op.create_table('analytics_meter_aggregates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=False),
    sa.Column('supplied_m3', sa.Float(), nullable=True),
    sa.Column('billed_m3', sa.Float(), nullable=True),
    sa.Column('meters_due', sa.Integer(), nullable=False),
    sa.Column('meters_read', sa.Integer(), nullable=False),
    sa.Column('billed_amount', sa.Float(), nullable=False),
    sa.Column('collected_amount', sa.Float(), nullable=False),
    sa.Column('imported_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('imported_by', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_analytics_meter_aggregates')),
    sa.UniqueConstraint('month', 'grid_id', name=op.f('uq_analytics_meter_aggregates_month'))
    )
    op.create_index(op.f('ix_analytics_meter_aggregates_grid_id'), 'analytics_meter_aggregates', ['grid_id'], unique=False)
    op.create_index(op.f('ix_analytics_meter_aggregates_month'), 'analytics_meter_aggregates', ['month'], unique=False)
    op.create_table('analytics_monthly_orders',
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('utility', sa.String(length=10), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=False),
    sa.Column('handler_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('channel', sa.String(length=12), nullable=False),
    sa.Column('org_path', sa.String(length=400), nullable=False),
    sa.Column('orders', sa.Integer(), nullable=False),
    sa.Column('accepted', sa.Integer(), nullable=False),
    sa.Column('accept_seconds', sa.Float(), nullable=False),
    sa.Column('arrived', sa.Integer(), nullable=False),
    sa.Column('arrive_seconds', sa.Float(), nullable=False),
    sa.Column('resolved', sa.Integer(), nullable=False),
    sa.Column('resolve_seconds', sa.Float(), nullable=False),
    sa.Column('sla_met', sa.Integer(), nullable=False),
    sa.Column('escalated', sa.Integer(), nullable=False),
    sa.Column('reopened', sa.Integer(), nullable=False),
    sa.Column('merged', sa.Integer(), nullable=False),
    sa.Column('repeats', sa.Integer(), nullable=False),
    sa.Column('first_contact', sa.Integer(), nullable=False),
    sa.Column('rated', sa.Integer(), nullable=False),
    sa.Column('satisfaction_sum', sa.Integer(), nullable=False),
    sa.Column('satisfied', sa.Integer(), nullable=False),
    sa.Column('open_now', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('month', 'utility', 'grid_id', 'handler_id', 'category', 'channel', 'org_path', name=op.f('pk_analytics_monthly_orders'))
    )
    op.create_table('analytics_ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('subject_kind', sa.String(length=8), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('rater', sa.String(length=20), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('entered_by', sa.String(length=64), nullable=False),
    sa.Column('entered_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_analytics_ratings')),
    sa.UniqueConstraint('month', 'subject_kind', 'subject_id', 'rater', name=op.f('uq_analytics_ratings_month'))
    )
    op.create_index(op.f('ix_analytics_ratings_month'), 'analytics_ratings', ['month'], unique=False)
    op.create_table('analytics_score_weights',
    sa.Column('measure', sa.String(length=30), nullable=False),
    sa.Column('weight', sa.Float(), nullable=False),
    sa.Column('updated_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('measure', name=op.f('pk_analytics_score_weights'))
    )
    op.create_table('analytics_scorecard_snapshots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('subject_kind', sa.String(length=8), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('subject_code', sa.String(length=64), nullable=False),
    sa.Column('subject_name', sa.String(length=200), nullable=False),
    sa.Column('utility', sa.String(length=10), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('total', sa.Float(), nullable=False),
    sa.Column('measures', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('weights', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('taken_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('taken_by', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_analytics_scorecard_snapshots')),
    sa.UniqueConstraint('month', 'subject_kind', 'subject_id', name=op.f('uq_analytics_scorecard_snapshots_month'))
    )
    op.create_index(op.f('ix_analytics_scorecard_snapshots_month'), 'analytics_scorecard_snapshots', ['month'], unique=False)
    op.create_table('analytics_watermarks',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('last_event_id', sa.Integer(), nullable=False),
    sa.Column('updated_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_analytics_watermarks'))
    )


def downgrade() -> None:
    op.drop_table('analytics_watermarks')
    op.drop_index(op.f('ix_analytics_scorecard_snapshots_month'), table_name='analytics_scorecard_snapshots')
    op.drop_table('analytics_scorecard_snapshots')
    op.drop_table('analytics_score_weights')
    op.drop_index(op.f('ix_analytics_ratings_month'), table_name='analytics_ratings')
    op.drop_table('analytics_ratings')
    op.drop_table('analytics_monthly_orders')
    op.drop_index(op.f('ix_analytics_meter_aggregates_month'), table_name='analytics_meter_aggregates')
    op.drop_index(op.f('ix_analytics_meter_aggregates_grid_id'), table_name='analytics_meter_aggregates')
    op.drop_table('analytics_meter_aggregates')
    op.drop_index('ix_analytics_daily_orders_grid_day', table_name='analytics_daily_orders')
    op.drop_table('analytics_daily_orders')
