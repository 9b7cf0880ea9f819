"""characteristic-value alerts

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import gridcare.db

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
    op.create_table('alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('key', sa.String(length=160), nullable=False),
    sa.Column('open_key', sa.String(length=160), nullable=True),
    sa.Column('status', sa.String(length=14), nullable=False),
    sa.Column('severity', sa.String(length=10), nullable=False),
    sa.Column('utility', sa.String(length=10), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=True),
    sa.Column('grid_code', sa.String(length=40), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('subject', sa.String(length=60), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('observed', sa.Float(), nullable=True),
    sa.Column('expected', sa.Float(), nullable=True),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('window_start', gridcare.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('window_end', gridcare.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('evidence', json, nullable=False),
    sa.Column('order_ids', json, nullable=False),
    sa.Column('org_path', sa.String(length=400), nullable=False),
    sa.Column('raised_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('acknowledged_by', sa.String(length=64), nullable=True),
    sa.Column('acknowledged_at', gridcare.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('closed_by', sa.String(length=64), nullable=True),
    sa.Column('closed_at', gridcare.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('notified', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['grid_id'], ['grids.id'], name=op.f('fk_alerts_grid_id_grids')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alerts')),
    sa.UniqueConstraint('open_key', name=op.f('uq_alerts_open_key'))
    )
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alerts_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_alerts_key'), ['key'], unique=False)
        batch_op.create_index(batch_op.f('ix_alerts_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_alerts_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_alerts_org_path'), ['org_path'], unique=False)
        batch_op.create_index(batch_op.f('ix_alerts_raised_at'), ['raised_at'], unique=False)
        batch_op.create_index('ix_alerts_status_raised', ['status', 'raised_at'], unique=False)


def downgrade() -> None:
    op.drop_table('alerts')
