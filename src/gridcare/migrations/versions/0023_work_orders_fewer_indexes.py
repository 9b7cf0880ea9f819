"""work_orders: drop the indexes on grid_id and on handler_id alone; (grid_id, status) and
(handler_id, status) serve every query they served, and each index is one more entry to
write for every order a storm brings

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-04
"""
from __future__ import annotations

from alembic import op

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index('ix_work_orders_grid_id', table_name='work_orders')
    op.drop_index('ix_work_orders_handler_id', table_name='work_orders')


def downgrade() -> None:
    op.create_index('ix_work_orders_handler_id', 'work_orders', ['handler_id'])
    op.create_index('ix_work_orders_grid_id', 'work_orders', ['grid_id'])
