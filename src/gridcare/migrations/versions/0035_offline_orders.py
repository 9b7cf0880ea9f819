"""offline orders: the steps a handler took on the phone page, under the phone's id for each

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-08
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import gridcare.db

revision = '0035'
down_revision = '0034'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'work_order_phone_commands',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('submission', sa.String(length=64), nullable=False),
        sa.Column('order_id', sa.Integer(), nullable=False),
        sa.Column('command', sa.String(length=20), nullable=False),
        sa.Column('made_by', sa.String(length=64), nullable=False),
        sa.Column('made_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('sent_at', gridcare.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('claimed_at', gridcare.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['order_id'], ['work_orders.id'], name=op.f('fk_work_order_phone_commands_order_id_work_orders')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_work_order_phone_commands')),
        sa.UniqueConstraint('submission', name=op.f('uq_work_order_phone_commands_submission')),
    )
    op.create_index(op.f('ix_work_order_phone_commands_order_id'), 'work_order_phone_commands', ['order_id'])
    op.create_index(op.f('ix_work_order_phone_commands_made_at'), 'work_order_phone_commands', ['made_at'])


def downgrade() -> None:
    op.drop_index(op.f('ix_work_order_phone_commands_made_at'), table_name='work_order_phone_commands')
    op.drop_index(op.f('ix_work_order_phone_commands_order_id'), table_name='work_order_phone_commands')
    op.drop_table('work_order_phone_commands')
