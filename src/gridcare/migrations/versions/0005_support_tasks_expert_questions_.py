"""support tasks expert questions attachments

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import gridcare.db

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('work_order_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('media_type', sa.String(length=60), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('path', sa.String(length=300), nullable=False),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('uploaded_by', sa.String(length=64), nullable=False),
    sa.Column('uploaded_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['work_orders.id'], name=op.f('fk_work_order_attachments_order_id_work_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_order_attachments'))
    )
    with op.batch_alter_table('work_order_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_work_order_attachments_order_id'), ['order_id'], unique=False)

    op.create_table('work_order_questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('asked_by', sa.String(length=64), nullable=False),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('asked_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('answered_by', sa.String(length=64), nullable=True),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('answered_at', gridcare.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['order_id'], ['work_orders.id'], name=op.f('fk_work_order_questions_order_id_work_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_order_questions'))
    )
    with op.batch_alter_table('work_order_questions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_work_order_questions_asked_at'), ['asked_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_order_questions_order_id'), ['order_id'], unique=False)

    op.create_table('work_order_tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('due_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('result', sa.Text(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('done_at', gridcare.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('confirmed_at', gridcare.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['order_id'], ['work_orders.id'], name=op.f('fk_work_order_tasks_order_id_work_orders')),
    sa.ForeignKeyConstraint(['unit_id'], ['org_units.id'], name=op.f('fk_work_order_tasks_unit_id_org_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_order_tasks'))
    )
    with op.batch_alter_table('work_order_tasks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_work_order_tasks_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_order_tasks_unit_id'), ['unit_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('work_order_tasks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_work_order_tasks_unit_id'))
        batch_op.drop_index(batch_op.f('ix_work_order_tasks_order_id'))

    op.drop_table('work_order_tasks')
    with op.batch_alter_table('work_order_questions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_work_order_questions_order_id'))
        batch_op.drop_index(batch_op.f('ix_work_order_questions_asked_at'))

    op.drop_table('work_order_questions')
    with op.batch_alter_table('work_order_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_work_order_attachments_order_id'))

    op.drop_table('work_order_attachments')
