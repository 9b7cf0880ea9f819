"""analytics: duration histograms (daily and monthly), for medians and p90s of large periods

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def _table(name: str, period: str, width: int) -> None:
    op.create_table(name,
    sa.Column(period, sa.String(length=width), nullable=False),
    sa.Column('utility', sa.String(length=10), nullable=False),
    sa.Column('org_path', sa.String(length=400), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('step', sa.String(length=8), nullable=False),
    sa.Column('bucket', sa.Integer(), nullable=False),
    sa.Column('orders', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint(period, 'utility', 'org_path', 'category', 'step', 'bucket', name=op.f(f'pk_{name}'))
    )


def upgrade() -> None:
    _table('analytics_daily_durations', 'day', 10)
    _table('analytics_monthly_durations', 'month', 7)


def downgrade() -> None:
    op.drop_table('analytics_monthly_durations')
    op.drop_table('analytics_daily_durations')
