"""offline patrol: when a check-in, finding, visit or data change made without signal arrived, and its phone id

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-07
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import gridcare.db

revision = '0034'
down_revision = '0033'
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ('field_patrol_stops', 'field_findings', 'field_visits', 'field_data_changes'):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column('sent_at', gridcare.db.UTCDateTime(timezone=True), nullable=True))
            batch.add_column(sa.Column('claimed_at', gridcare.db.UTCDateTime(timezone=True), nullable=True))
            batch.add_column(sa.Column('submission', sa.String(length=64), nullable=True))
    for table in ('field_findings', 'field_visits', 'field_data_changes'):
        with op.batch_alter_table(table) as batch:
            batch.create_unique_constraint(op.f(f'uq_{table}_submission'), ['submission'])


def downgrade() -> None:
    for table in ('field_findings', 'field_visits', 'field_data_changes'):
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(op.f(f'uq_{table}_submission'), type_='unique')
    for table in ('field_patrol_stops', 'field_findings', 'field_visits', 'field_data_changes'):
        with op.batch_alter_table(table) as batch:
            batch.drop_column('submission')
            batch.drop_column('claimed_at')
            batch.drop_column('sent_at')
