"""Demands answered at intake (当场解答): knowledge_uses, each caller answered with an article
and the work order recording it; the order rollups count the answered orders

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import gridcare.db

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'knowledge_uses',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('article_id', sa.Integer(), nullable=False),
        sa.Column('order_id', sa.Integer(), nullable=True),
        sa.Column('used_by', sa.String(length=64), nullable=False),
        sa.Column('used_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['article_id'], ['knowledge_articles.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['order_id'], ['work_orders.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    for column in ('article_id', 'order_id'):
        op.create_index(f'ix_knowledge_uses_{column}', 'knowledge_uses', [column])
    # History holds no answered order: 0 is its true count, and the rollups need no rebuild.
    for table in ('analytics_daily_orders', 'analytics_monthly_orders'):
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column('answered', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    for table in ('analytics_daily_orders', 'analytics_monthly_orders'):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column('answered')
    op.drop_table('knowledge_uses')
