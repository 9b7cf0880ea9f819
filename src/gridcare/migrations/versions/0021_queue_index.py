"""work_orders: the queue's order (escalation, next deadline, id) as an index of open orders
(PostgreSQL: the queue view sorted every open order on each request)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-04
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

# Frozen here as the queue wrote them on this day (workorders.states.QUEUE_STATUSES, models.queue_due()):
# the planner uses the index only for a query whose status list and expression are these.
QUEUE = "'unassigned', 'dispatched', 'accepted', 'arrived', 'waiting_customer', 'callback_pending', 'review_pending'"
DUE = (
    "coalesce(CASE WHEN (accepted_at IS NULL) THEN accept_due END, CASE WHEN (arrived_at IS NULL) THEN arrive_due END, "
    "CASE WHEN (resolved_at IS NULL) THEN resolve_due END, callback_due)"
)


def upgrade() -> None:
    # SQLite cannot keep an index in NULLS LAST order, and sorts an embedded city's queue quickly.
    if op.get_bind().dialect.name == "postgresql":
        op.create_index('ix_work_orders_queue', 'work_orders', [sa.text('escalation_level DESC'), sa.text(f'({DUE})'), 'id'], postgresql_where=sa.text(f'status IN ({QUEUE})'))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index('ix_work_orders_queue', table_name='work_orders')
