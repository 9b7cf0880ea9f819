"""work orders: where they sit on the network

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('work_orders') as batch:
        batch.add_column(sa.Column('supply_point', sa.String(length=60), nullable=True))
    op.create_index('ix_work_orders_supply_point_created', 'work_orders', ['supply_point', 'created_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_work_orders_supply_point_created', table_name='work_orders')
    with op.batch_alter_table('work_orders') as batch:
        batch.drop_column('supply_point')
