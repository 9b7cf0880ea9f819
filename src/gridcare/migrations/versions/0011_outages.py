"""outages, their devices, affected customers and call tasks

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import gridcare.db

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('outages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=30), nullable=False),
    sa.Column('utility', sa.String(length=10), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('area', sa.String(length=200), nullable=False),
    sa.Column('cause', sa.String(length=200), nullable=False),
    sa.Column('reason', sa.String(length=400), nullable=False),
    sa.Column('polygon', sa.Text(), nullable=True),
    sa.Column('dma', sa.String(length=40), nullable=True),
    sa.Column('starts_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', gridcare.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('eta', gridcare.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('restored_at', gridcare.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('notice_days', sa.Integer(), nullable=False),
    sa.Column('advance_sent_at', gridcare.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('day_sent_at', gridcare.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('org_path', sa.String(length=400), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('master_order_id', sa.Integer(), nullable=True),
    sa.Column('created_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['master_order_id'], ['work_orders.id'], name=op.f('fk_outages_master_order_id_work_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outages')),
    sa.UniqueConstraint('number', name=op.f('uq_outages_number'))
    )
    with op.batch_alter_table('outages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outages_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_outages_starts_at'), ['starts_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outages_org_path'), ['org_path'], unique=False)

    op.create_table('outage_devices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('outage_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('restored_at', gridcare.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['outage_id'], ['outages.id'], name=op.f('fk_outage_devices_outage_id_outages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outage_devices')),
    sa.UniqueConstraint('outage_id', 'code', name='uq_outage_devices_outage_code')
    )
    with op.batch_alter_table('outage_devices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outage_devices_outage_id'), ['outage_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outage_devices_code'), ['code'], unique=False)

    op.create_table('outage_customers',
    sa.Column('outage_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=True),
    sa.Column('supply_point', sa.String(length=60), nullable=True),
    sa.Column('priority', sa.Boolean(), nullable=False),
    sa.Column('first_notified_version', sa.Integer(), nullable=True),
    sa.Column('last_notified_version', sa.Integer(), nullable=True),
    sa.Column('restored_at', gridcare.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['outage_id'], ['outages.id'], name=op.f('fk_outage_customers_outage_id_outages'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_outage_customers_customer_id_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['grid_id'], ['grids.id'], name=op.f('fk_outage_customers_grid_id_grids')),
    sa.PrimaryKeyConstraint('outage_id', 'customer_id', name=op.f('pk_outage_customers'))
    )
    with op.batch_alter_table('outage_customers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outage_customers_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outage_customers_grid_id'), ['grid_id'], unique=False)

    op.create_table('outage_call_tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('outage_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('queue', sa.String(length=10), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('note', sa.String(length=400), nullable=False),
    sa.Column('done_by', sa.String(length=64), nullable=True),
    sa.Column('done_at', gridcare.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['outage_id'], ['outages.id'], name=op.f('fk_outage_call_tasks_outage_id_outages'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_outage_call_tasks_customer_id_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], name=op.f('fk_outage_call_tasks_assignee_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outage_call_tasks')),
    sa.UniqueConstraint('outage_id', 'customer_id', name='uq_outage_call_tasks_outage_customer')
    )
    with op.batch_alter_table('outage_call_tasks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outage_call_tasks_outage_id'), ['outage_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outage_call_tasks_assignee_id'), ['assignee_id'], unique=False)


def downgrade() -> None:
    op.drop_table('outage_call_tasks')
    op.drop_table('outage_customers')
    op.drop_table('outage_devices')
    op.drop_table('outages')
