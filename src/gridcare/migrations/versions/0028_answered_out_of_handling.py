"""The handling figures (times, SLA, escalation, first contact, reopening) leave orders
answered at intake out: the rollup days holding such orders are rebuilt by the next refresh

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None

# workorders.states.ANSWERED_AT_INTAKE as it was written when this migration was.
ANSWERED = 'answered at intake: nobody was dispatched'


def upgrade() -> None:
    # Moving the watermark back to before the first answered order's first event makes the
    # refresh rebuild every day touched since, which holds every day with such an order.
    first = sa.text(
        'SELECT MIN(e.id) FROM work_order_events e JOIN work_orders o ON o.id = e.order_id WHERE o.dispatch_reason = :answered'
    )
    found = op.get_bind().execute(first, {'answered': ANSWERED}).scalar()
    if found is not None:
        op.execute(
            sa.text("UPDATE analytics_watermarks SET last_event_id = :mark WHERE name = 'orders' AND last_event_id > :mark").bindparams(mark=found - 1)
        )


def downgrade() -> None:
    pass  # the rollup is derived data: the older code's refresh rebuilds what it touches
