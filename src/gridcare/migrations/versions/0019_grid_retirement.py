"""grids: retired_at, for grids a new design merges into their neighbours

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import gridcare.db

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('grids') as batch:
        batch.add_column(sa.Column('retired_at', gridcare.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('grids') as batch:
        batch.drop_column('retired_at')
