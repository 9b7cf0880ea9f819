"""calls

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import gridcare.db

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')


def _utc() -> gridcare.db.UTCDateTime:
    return gridcare.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table('local_repair_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=64), nullable=False),
    sa.Column('e164', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('org_unit_id', sa.Integer(), nullable=False),
    sa.Column('org_path', sa.String(length=400), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', _utc(), nullable=False),
    sa.ForeignKeyConstraint(['org_unit_id'], ['org_units.id'], name=op.f('fk_local_repair_lines_org_unit_id_org_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_local_repair_lines')),
    sa.UniqueConstraint('e164', name=op.f('uq_local_repair_lines_e164'))
    )
    with op.batch_alter_table('local_repair_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_local_repair_lines_org_unit_id'), ['org_unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_local_repair_lines_org_path'), ['org_path'], unique=False)

    op.create_table('call_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('call_id', sa.String(length=120), nullable=False),
    sa.Column('direction', sa.String(length=10), nullable=False),
    sa.Column('caller', sa.String(length=64), nullable=False),
    sa.Column('caller_e164', sa.String(length=20), nullable=True),
    sa.Column('callee', sa.String(length=64), nullable=False),
    sa.Column('line_id', sa.Integer(), nullable=True),
    sa.Column('org_path', sa.String(length=400), nullable=False),
    sa.Column('queue', sa.String(length=40), nullable=False),
    sa.Column('agent_extension', sa.String(length=20), nullable=False),
    sa.Column('agent_user_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('outcome', sa.String(length=10), nullable=True),
    sa.Column('ringing_at', _utc(), nullable=True),
    sa.Column('answered_at', _utc(), nullable=True),
    sa.Column('transferred_at', _utc(), nullable=True),
    sa.Column('ended_at', _utc(), nullable=True),
    sa.Column('started_at', _utc(), nullable=False),
    sa.Column('local_day', sa.String(length=10), nullable=False),
    sa.Column('local_hour', sa.Integer(), nullable=False),
    sa.Column('wait_seconds', sa.Integer(), nullable=True),
    sa.Column('duration_seconds', sa.Integer(), nullable=True),
    sa.Column('transfers', sa.Integer(), nullable=False),
    sa.Column('recording_url', sa.String(length=500), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('customers_matched', sa.Integer(), nullable=False),
    sa.Column('work_order_id', sa.Integer(), nullable=True),
    sa.Column('qa_sampled_at', _utc(), nullable=True),
    sa.Column('created_at', _utc(), nullable=False),
    sa.Column('updated_at', _utc(), nullable=False),
    sa.ForeignKeyConstraint(['agent_user_id'], ['users.id'], name=op.f('fk_call_records_agent_user_id_users')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_call_records_customer_id_customers')),
    sa.ForeignKeyConstraint(['line_id'], ['local_repair_lines.id'], name=op.f('fk_call_records_line_id_local_repair_lines')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_orders.id'], name=op.f('fk_call_records_work_order_id_work_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_call_records')),
    sa.UniqueConstraint('source', 'call_id', name=op.f('uq_call_records_source'))
    )
    with op.batch_alter_table('call_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_call_records_line_id'), ['line_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_call_records_org_path'), ['org_path'], unique=False)
        batch_op.create_index(batch_op.f('ix_call_records_started_at'), ['started_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_call_records_work_order_id'), ['work_order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_call_records_qa_sampled_at'), ['qa_sampled_at'], unique=False)
        batch_op.create_index('ix_call_records_agent_started', ['agent_user_id', 'started_at'], unique=False)
        batch_op.create_index('ix_call_records_caller_started', ['caller_e164', 'started_at'], unique=False)
        batch_op.create_index('ix_call_records_customer_started', ['customer_id', 'started_at'], unique=False)

    op.create_table('call_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_record_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('dedupe_key', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('at', _utc(), nullable=False),
    sa.Column('received_at', _utc(), nullable=False),
    sa.Column('payload', JSON, nullable=False),
    sa.ForeignKeyConstraint(['call_record_id'], ['call_records.id'], name=op.f('fk_call_events_call_record_id_call_records')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_call_events')),
    sa.UniqueConstraint('source', 'dedupe_key', name=op.f('uq_call_events_source'))
    )
    with op.batch_alter_table('call_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_call_events_call_record_id'), ['call_record_id'], unique=False)

    op.create_table('agent_extensions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('extension', sa.String(length=20), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('status_since', _utc(), nullable=False),
    sa.Column('updated_at', _utc(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_agent_extensions_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agent_extensions')),
    sa.UniqueConstraint('extension', name=op.f('uq_agent_extensions_extension')),
    sa.UniqueConstraint('user_id', name=op.f('uq_agent_extensions_user_id'))
    )

    op.create_table('qa_checklists',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('items', JSON, nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', _utc(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_qa_checklists')),
    sa.UniqueConstraint('code', name=op.f('uq_qa_checklists_code'))
    )

    op.create_table('qa_scores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_record_id', sa.Integer(), nullable=False),
    sa.Column('checklist_id', sa.Integer(), nullable=False),
    sa.Column('scorer_id', sa.Integer(), nullable=True),
    sa.Column('scorer', sa.String(length=64), nullable=False),
    sa.Column('agent_user_id', sa.Integer(), nullable=True),
    sa.Column('scores', JSON, nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('max_total', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('scored_at', _utc(), nullable=False),
    sa.ForeignKeyConstraint(['agent_user_id'], ['users.id'], name=op.f('fk_qa_scores_agent_user_id_users')),
    sa.ForeignKeyConstraint(['call_record_id'], ['call_records.id'], name=op.f('fk_qa_scores_call_record_id_call_records')),
    sa.ForeignKeyConstraint(['checklist_id'], ['qa_checklists.id'], name=op.f('fk_qa_scores_checklist_id_qa_checklists')),
    sa.ForeignKeyConstraint(['scorer_id'], ['users.id'], name=op.f('fk_qa_scores_scorer_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_qa_scores')),
    sa.UniqueConstraint('call_record_id', 'scorer_id', name=op.f('uq_qa_scores_call_record_id'))
    )
    with op.batch_alter_table('qa_scores', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_qa_scores_call_record_id'), ['call_record_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_qa_scores_agent_user_id'), ['agent_user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_qa_scores_scored_at'), ['scored_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('qa_scores', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_qa_scores_scored_at'))
        batch_op.drop_index(batch_op.f('ix_qa_scores_agent_user_id'))
        batch_op.drop_index(batch_op.f('ix_qa_scores_call_record_id'))
    op.drop_table('qa_scores')
    op.drop_table('qa_checklists')
    op.drop_table('agent_extensions')
    with op.batch_alter_table('call_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_call_events_call_record_id'))
    op.drop_table('call_events')
    with op.batch_alter_table('call_records', schema=None) as batch_op:
        for name in ('ix_call_records_customer_started', 'ix_call_records_caller_started', 'ix_call_records_agent_started'):
            batch_op.drop_index(name)
        for column in ('qa_sampled_at', 'work_order_id', 'started_at', 'org_path', 'line_id'):
            batch_op.drop_index(batch_op.f(f'ix_call_records_{column}'))
    op.drop_table('call_records')
    with op.batch_alter_table('local_repair_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_local_repair_lines_org_path'))
        batch_op.drop_index(batch_op.f('ix_local_repair_lines_org_unit_id'))
    op.drop_table('local_repair_lines')
