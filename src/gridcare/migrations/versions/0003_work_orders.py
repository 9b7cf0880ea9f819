"""work orders

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import gridcare.db

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('off_duty',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_off_duty_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_off_duty'))
    )
    with op.batch_alter_table('off_duty', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_off_duty_user_id'), ['user_id'], unique=False)

    op.create_table('work_orders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=30), nullable=False),
    sa.Column('idempotency_key', sa.String(length=120), nullable=True),
    sa.Column('channel', sa.String(length=12), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('utility', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('caller_name', sa.String(length=100), nullable=False),
    sa.Column('caller_phone', sa.String(length=32), nullable=False),
    sa.Column('address', sa.String(length=400), nullable=False),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('grid_id', sa.Integer(), nullable=True),
    sa.Column('area_class', sa.String(length=10), nullable=False),
    sa.Column('org_path', sa.String(length=400), nullable=False),
    sa.Column('handler_id', sa.Integer(), nullable=True),
    sa.Column('originator_id', sa.Integer(), nullable=True),
    sa.Column('originator', sa.String(length=64), nullable=False),
    sa.Column('dispatch_reason', sa.String(length=200), nullable=False),
    sa.Column('created_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('accepted_at', gridcare.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('arrived_at', gridcare.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('arrived_lon', sa.Float(), nullable=True),
    sa.Column('arrived_lat', sa.Float(), nullable=True),
    sa.Column('paid_at', gridcare.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolved_at', gridcare.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('callback_at', gridcare.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', gridcare.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('satisfaction', sa.Integer(), nullable=True),
    sa.Column('resolution_code', sa.String(length=40), nullable=False),
    sa.Column('resolution_note', sa.Text(), nullable=False),
    sa.Column('reopen_count', sa.Integer(), nullable=False),
    sa.Column('transfer_pending', sa.Boolean(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('paused_from', sa.String(length=20), nullable=True),
    sa.Column('accept_due', gridcare.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('arrive_due', gridcare.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolve_due', gridcare.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('callback_due', gridcare.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('escalation_level', sa.Integer(), nullable=False),
    sa.Column('next_check_at', gridcare.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('attributes', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_work_orders_customer_id_customers')),
    sa.ForeignKeyConstraint(['grid_id'], ['grids.id'], name=op.f('fk_work_orders_grid_id_grids')),
    sa.ForeignKeyConstraint(['handler_id'], ['users.id'], name=op.f('fk_work_orders_handler_id_users')),
    sa.ForeignKeyConstraint(['originator_id'], ['users.id'], name=op.f('fk_work_orders_originator_id_users')),
    sa.ForeignKeyConstraint(['parent_id'], ['work_orders.id'], name=op.f('fk_work_orders_parent_id_work_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_orders')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_work_orders_idempotency_key')),
    sa.UniqueConstraint('number', name=op.f('uq_work_orders_number'))
    )
    with op.batch_alter_table('work_orders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_work_orders_category'), ['category'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_orders_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_orders_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_orders_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_orders_handler_id'), ['handler_id'], unique=False)
        batch_op.create_index('ix_work_orders_handler_status', ['handler_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_orders_next_check_at'), ['next_check_at'], unique=False)
        batch_op.create_index('ix_work_orders_open_grid', ['grid_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_orders_org_path'), ['org_path'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_orders_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_orders_status'), ['status'], unique=False)

    op.create_table('work_order_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('origin', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('status_from', sa.String(length=20), nullable=True),
    sa.Column('status_to', sa.String(length=20), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('data', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_work_order_events_actor_id_users')),
    sa.ForeignKeyConstraint(['order_id'], ['work_orders.id'], name=op.f('fk_work_order_events_order_id_work_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_order_events'))
    )
    with op.batch_alter_table('work_order_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_work_order_events_order_id'), ['order_id'], unique=False)

    op.create_table('work_order_pauses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('started_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', gridcare.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['order_id'], ['work_orders.id'], name=op.f('fk_work_order_pauses_order_id_work_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_order_pauses'))
    )
    with op.batch_alter_table('work_order_pauses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_work_order_pauses_order_id'), ['order_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('work_order_pauses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_work_order_pauses_order_id'))

    op.drop_table('work_order_pauses')
    with op.batch_alter_table('work_order_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_work_order_events_order_id'))

    op.drop_table('work_order_events')
    with op.batch_alter_table('work_orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_work_orders_status'))
        batch_op.drop_index(batch_op.f('ix_work_orders_parent_id'))
        batch_op.drop_index(batch_op.f('ix_work_orders_org_path'))
        batch_op.drop_index('ix_work_orders_open_grid')
        batch_op.drop_index(batch_op.f('ix_work_orders_next_check_at'))
        batch_op.drop_index('ix_work_orders_handler_status')
        batch_op.drop_index(batch_op.f('ix_work_orders_handler_id'))
        batch_op.drop_index(batch_op.f('ix_work_orders_grid_id'))
        batch_op.drop_index(batch_op.f('ix_work_orders_customer_id'))
        batch_op.drop_index(batch_op.f('ix_work_orders_created_at'))
        batch_op.drop_index(batch_op.f('ix_work_orders_category'))

    op.drop_table('work_orders')
    with op.batch_alter_table('off_duty', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_off_duty_user_id'))

    op.drop_table('off_duty')
