"""open311 keys, work-order number counters

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import gridcare.db

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('work_order_counters',
    sa.Column('day', sa.String(length=8), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_work_order_counters'))
    )
    # Orders numbered before the counters existed: carry on after the highest number of each day.
    op.execute(
        "INSERT INTO work_order_counters (day, last) "
        "SELECT substr(number, 3, 8), max(CAST(substr(number, 12) AS INTEGER)) FROM work_orders "
        "WHERE number LIKE 'GD%' GROUP BY substr(number, 3, 8)"
    )
    op.create_table('open311_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', gridcare.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_open311_keys')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_open311_keys_key_hash')),
    sa.UniqueConstraint('name', name=op.f('uq_open311_keys_name'))
    )


def downgrade() -> None:
    op.drop_table('work_order_counters')
    op.drop_table('open311_keys')
