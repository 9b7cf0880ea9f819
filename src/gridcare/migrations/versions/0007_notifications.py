"""notifications

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import gridcare.db

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dedupe_key', sa.String(length=200), nullable=False),
    sa.Column('client_ref', sa.String(length=40), nullable=False),
    sa.Column('event', sa.String(length=60), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('recipient_kind', sa.String(length=12), nullable=False),
    sa.Column('recipient_id', sa.Integer(), nullable=True),
    sa.Column('recipient_name', sa.String(length=200), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('locale', sa.String(length=10), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('context', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('urgent', sa.Boolean(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('provider_message_id', sa.String(length=120), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('source_kind', sa.String(length=30), nullable=True),
    sa.Column('source_id', sa.Integer(), nullable=True),
    sa.Column('org_path', sa.String(length=400), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=True),
    sa.Column('created_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('scheduled_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_attempt_at', gridcare.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', gridcare.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_at', gridcare.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_by', sa.Integer(), nullable=True),
    sa.Column('ladder_step', sa.Integer(), nullable=False),
    sa.Column('ladder_next_at', gridcare.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ladder_sms_after_s', sa.Integer(), nullable=True),
    sa.Column('ladder_voice_after_s', sa.Integer(), nullable=True),
    sa.Column('ladder_stopped', sa.String(length=60), nullable=True),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['parent_id'], ['notifications.id'], name=op.f('fk_notifications_parent_id_notifications')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    sa.UniqueConstraint('client_ref', name=op.f('uq_notifications_client_ref')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_notifications_dedupe_key'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notifications_org_path'), ['org_path'], unique=False)
        batch_op.create_index('ix_notifications_state', ['state', 'channel'], unique=False)
        batch_op.create_index('ix_notifications_recipient', ['recipient_kind', 'recipient_id', 'created_at'], unique=False)
        batch_op.create_index('ix_notifications_source', ['source_kind', 'source_id'], unique=False)
        batch_op.create_index('ix_notifications_schedule', ['channel', 'scheduled_at'], unique=False)
        batch_op.create_index('ix_notifications_ladder', ['ladder_next_at'], unique=False)
        batch_op.create_index('ix_notifications_created', ['created_at'], unique=False)

    op.create_table('notify_wecom_groups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('audience', sa.String(length=20), nullable=False),
    sa.Column('webhook_url', sa.String(length=500), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('created_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['grid_id'], ['grids.id'], name=op.f('fk_notify_wecom_groups_grid_id_grids')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notify_wecom_groups'))
    )
    with op.batch_alter_table('notify_wecom_groups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notify_wecom_groups_grid_id'), ['grid_id'], unique=False)

    op.create_table('notify_campaigns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=False),
    sa.Column('org_path', sa.String(length=400), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('to_customers', sa.Boolean(), nullable=False),
    sa.Column('to_groups', sa.Boolean(), nullable=False),
    sa.Column('tag', sa.String(length=20), nullable=True),
    sa.Column('recipients', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['grid_id'], ['grids.id'], name=op.f('fk_notify_campaigns_grid_id_grids')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notify_campaigns'))
    )
    with op.batch_alter_table('notify_campaigns', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notify_campaigns_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notify_campaigns_org_path'), ['org_path'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('notify_campaigns', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notify_campaigns_org_path'))
        batch_op.drop_index(batch_op.f('ix_notify_campaigns_grid_id'))
    op.drop_table('notify_campaigns')
    with op.batch_alter_table('notify_wecom_groups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notify_wecom_groups_grid_id'))
    op.drop_table('notify_wecom_groups')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        for name in ('ix_notifications_created', 'ix_notifications_ladder', 'ix_notifications_schedule', 'ix_notifications_source', 'ix_notifications_recipient', 'ix_notifications_state'):
            batch_op.drop_index(name)
        batch_op.drop_index(batch_op.f('ix_notifications_org_path'))
    op.drop_table('notifications')
