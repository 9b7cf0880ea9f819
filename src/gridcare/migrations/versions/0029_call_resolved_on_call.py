"""call_records.resolved_on_call: the agent answered a demand on the call at once (当场解答);
calls already linked to an order answered at intake are marked

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None

# workorders.states.ANSWERED_AT_INTAKE as it was written when this migration was.
ANSWERED = 'answered at intake: nobody was dispatched'


def upgrade() -> None:
    # In place on both databases: a batch copy of call_records would trip the foreign keys
    # that point at it.
    op.add_column('call_records', sa.Column('resolved_on_call', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute(
        sa.text(
            'UPDATE call_records SET resolved_on_call = :yes WHERE work_order_id IN (SELECT id FROM work_orders WHERE dispatch_reason = :answered)'
        ).bindparams(sa.bindparam('yes', True, sa.Boolean()), answered=ANSWERED)
    )


def downgrade() -> None:
    op.execute('ALTER TABLE call_records DROP COLUMN resolved_on_call')
