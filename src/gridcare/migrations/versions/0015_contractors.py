"""contractor projects, campaigns, contact cards, arrears cases

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import gridcare.db

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('campaigns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('topic', sa.String(length=20), nullable=False),
    sa.Column('target', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('send_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', gridcare.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('recipients', sa.Integer(), nullable=False),
    sa.Column('opted_out', sa.Integer(), nullable=False),
    sa.Column('unreachable', sa.Integer(), nullable=False),
    sa.Column('error', sa.String(length=300), nullable=False),
    sa.Column('org_path', sa.String(length=400), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaigns'))
    )
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaigns_org_path'), ['org_path'], unique=False)
        batch_op.create_index(batch_op.f('ix_campaigns_send_at'), ['send_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_campaigns_status'), ['status'], unique=False)

    op.create_table('contractor_projects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=30), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('utility', sa.String(length=10), nullable=False),
    sa.Column('contractor_id', sa.Integer(), nullable=False),
    sa.Column('org_path', sa.String(length=400), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('starts_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('due_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('notice_text', sa.String(length=500), nullable=False),
    sa.Column('notified_at', gridcare.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('sample_min', sa.Integer(), nullable=False),
    sa.Column('sample_share', sa.Float(), nullable=False),
    sa.Column('sample_seed', sa.Integer(), nullable=False),
    sa.Column('rep_rating', sa.Integer(), nullable=True),
    sa.Column('completed_at', gridcare.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['contractor_id'], ['org_units.id'], name=op.f('fk_contractor_projects_contractor_id_org_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contractor_projects')),
    sa.UniqueConstraint('number', name=op.f('uq_contractor_projects_number'))
    )
    with op.batch_alter_table('contractor_projects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contractor_projects_contractor_id'), ['contractor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contractor_projects_org_path'), ['org_path'], unique=False)
        batch_op.create_index(batch_op.f('ix_contractor_projects_status'), ['status'], unique=False)

    op.create_table('contractor_logs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('author', sa.String(length=64), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('photo_path', sa.String(length=300), nullable=True),
    sa.Column('photo_type', sa.String(length=40), nullable=True),
    sa.Column('created_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['contractor_projects.id'], name=op.f('fk_contractor_logs_project_id_contractor_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contractor_logs'))
    )
    with op.batch_alter_table('contractor_logs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contractor_logs_project_id'), ['project_id'], unique=False)

    op.create_table('card_grid_tokens',
    sa.Column('grid_id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=40), nullable=False),
    sa.Column('created_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['grid_id'], ['grids.id'], name=op.f('fk_card_grid_tokens_grid_id_grids'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('grid_id', name=op.f('pk_card_grid_tokens')),
    sa.UniqueConstraint('token', name=op.f('uq_card_grid_tokens_token'))
    )
    op.create_table('contractor_project_grids',
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['grid_id'], ['grids.id'], name=op.f('fk_contractor_project_grids_grid_id_grids')),
    sa.ForeignKeyConstraint(['project_id'], ['contractor_projects.id'], name=op.f('fk_contractor_project_grids_project_id_contractor_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('project_id', 'grid_id', name=op.f('pk_contractor_project_grids'))
    )
    with op.batch_alter_table('contractor_project_grids', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contractor_project_grids_grid_id'), ['grid_id'], unique=False)

    op.create_table('public_report_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('client', sa.String(length=64), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('expires_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', gridcare.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('created_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['grid_id'], ['grids.id'], name=op.f('fk_public_report_codes_grid_id_grids'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_public_report_codes'))
    )
    with op.batch_alter_table('public_report_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_public_report_codes_client'), ['client'], unique=False)
        batch_op.create_index(batch_op.f('ix_public_report_codes_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_public_report_codes_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_public_report_codes_phone'), ['phone'], unique=False)

    op.create_table('arrears_cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=30), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=True),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('utility', sa.String(length=10), nullable=False),
    sa.Column('org_path', sa.String(length=400), nullable=False),
    sa.Column('amount_fen', sa.Integer(), nullable=False),
    sa.Column('paid_fen', sa.Integer(), nullable=False),
    sa.Column('months', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=400), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=True),
    sa.Column('outcome_note', sa.String(length=400), nullable=False),
    sa.Column('next_follow_up_at', gridcare.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('overdue_notified_at', gridcare.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closed_at', gridcare.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], name=op.f('fk_arrears_cases_assignee_id_users')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_arrears_cases_customer_id_customers')),
    sa.ForeignKeyConstraint(['grid_id'], ['grids.id'], name=op.f('fk_arrears_cases_grid_id_grids')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_arrears_cases')),
    sa.UniqueConstraint('number', name=op.f('uq_arrears_cases_number'))
    )
    with op.batch_alter_table('arrears_cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_arrears_cases_assignee_id'), ['assignee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_arrears_cases_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_arrears_cases_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_arrears_cases_next_follow_up_at'), ['next_follow_up_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_arrears_cases_org_path'), ['org_path'], unique=False)
        batch_op.create_index(batch_op.f('ix_arrears_cases_status'), ['status'], unique=False)

    op.create_table('campaign_opt_outs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('topic', sa.String(length=20), nullable=False),
    sa.Column('via', sa.String(length=20), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('created_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_campaign_opt_outs_customer_id_customers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_opt_outs')),
    sa.UniqueConstraint('customer_id', 'channel', 'topic', name='uq_campaign_opt_outs_customer_channel_topic')
    )
    with op.batch_alter_table('campaign_opt_outs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaign_opt_outs_customer_id'), ['customer_id'], unique=False)

    op.create_table('contractor_feedback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('comment', sa.String(length=500), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_contractor_feedback_customer_id_customers')),
    sa.ForeignKeyConstraint(['project_id'], ['contractor_projects.id'], name=op.f('fk_contractor_feedback_project_id_contractor_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contractor_feedback'))
    )
    with op.batch_alter_table('contractor_feedback', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contractor_feedback_project_id'), ['project_id'], unique=False)

    op.create_table('contractor_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('grid_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('completed_at', gridcare.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('note', sa.String(length=400), nullable=False),
    sa.Column('created_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_contractor_items_customer_id_customers')),
    sa.ForeignKeyConstraint(['grid_id'], ['grids.id'], name=op.f('fk_contractor_items_grid_id_grids')),
    sa.ForeignKeyConstraint(['project_id'], ['contractor_projects.id'], name=op.f('fk_contractor_items_project_id_contractor_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contractor_items'))
    )
    with op.batch_alter_table('contractor_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contractor_items_project_id'), ['project_id'], unique=False)

    op.create_table('arrears_follow_ups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=12), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('paid_fen', sa.Integer(), nullable=False),
    sa.Column('next_follow_up_at', gridcare.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('author', sa.String(length=64), nullable=False),
    sa.Column('at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['arrears_cases.id'], name=op.f('fk_arrears_follow_ups_case_id_arrears_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_arrears_follow_ups'))
    )
    with op.batch_alter_table('arrears_follow_ups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_arrears_follow_ups_case_id'), ['case_id'], unique=False)

    op.create_table('contractor_spot_checks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('result', sa.String(length=10), nullable=False),
    sa.Column('evidence', sa.String(length=1000), nullable=False),
    sa.Column('checked_by', sa.String(length=64), nullable=True),
    sa.Column('checked_at', gridcare.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['contractor_items.id'], name=op.f('fk_contractor_spot_checks_item_id_contractor_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['contractor_projects.id'], name=op.f('fk_contractor_spot_checks_project_id_contractor_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contractor_spot_checks')),
    sa.UniqueConstraint('item_id', name=op.f('uq_contractor_spot_checks_item_id'))
    )
    with op.batch_alter_table('contractor_spot_checks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contractor_spot_checks_project_id'), ['project_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('contractor_spot_checks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contractor_spot_checks_project_id'))

    op.drop_table('contractor_spot_checks')
    with op.batch_alter_table('arrears_follow_ups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_arrears_follow_ups_case_id'))

    op.drop_table('arrears_follow_ups')
    with op.batch_alter_table('contractor_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contractor_items_project_id'))

    op.drop_table('contractor_items')
    with op.batch_alter_table('contractor_feedback', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contractor_feedback_project_id'))

    op.drop_table('contractor_feedback')
    with op.batch_alter_table('campaign_opt_outs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_opt_outs_customer_id'))

    op.drop_table('campaign_opt_outs')
    with op.batch_alter_table('arrears_cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_arrears_cases_status'))
        batch_op.drop_index(batch_op.f('ix_arrears_cases_org_path'))
        batch_op.drop_index(batch_op.f('ix_arrears_cases_next_follow_up_at'))
        batch_op.drop_index(batch_op.f('ix_arrears_cases_grid_id'))
        batch_op.drop_index(batch_op.f('ix_arrears_cases_customer_id'))
        batch_op.drop_index(batch_op.f('ix_arrears_cases_assignee_id'))

    op.drop_table('arrears_cases')
    with op.batch_alter_table('public_report_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_public_report_codes_phone'))
        batch_op.drop_index(batch_op.f('ix_public_report_codes_grid_id'))
        batch_op.drop_index(batch_op.f('ix_public_report_codes_created_at'))
        batch_op.drop_index(batch_op.f('ix_public_report_codes_client'))

    op.drop_table('public_report_codes')
    with op.batch_alter_table('contractor_project_grids', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contractor_project_grids_grid_id'))

    op.drop_table('contractor_project_grids')
    op.drop_table('card_grid_tokens')
    with op.batch_alter_table('contractor_logs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contractor_logs_project_id'))

    op.drop_table('contractor_logs')
    with op.batch_alter_table('contractor_projects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contractor_projects_status'))
        batch_op.drop_index(batch_op.f('ix_contractor_projects_org_path'))
        batch_op.drop_index(batch_op.f('ix_contractor_projects_contractor_id'))

    op.drop_table('contractor_projects')
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaigns_status'))
        batch_op.drop_index(batch_op.f('ix_campaigns_send_at'))
        batch_op.drop_index(batch_op.f('ix_campaigns_org_path'))

    op.drop_table('campaigns')
