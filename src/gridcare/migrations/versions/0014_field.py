"""field work — patrols, visits, data collection

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import gridcare.db

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('field_checklists',
    sa.Column('asset_kind', sa.String(length=20), nullable=False),
    sa.Column('items', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.Column('updated_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('asset_kind', name=op.f('pk_field_checklists'))
    )
    op.create_table('field_visit_rules',
    sa.Column('subject', sa.String(length=40), nullable=False),
    sa.Column('every_months', sa.Integer(), nullable=False),
    sa.Column('unannounced', sa.Boolean(), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.Column('updated_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('subject', name=op.f('pk_field_visit_rules'))
    )
    op.create_table('field_finding_routes',
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('org_unit_id', sa.Integer(), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.Column('updated_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['org_unit_id'], ['org_units.id'], name=op.f('fk_field_finding_routes_org_unit_id_org_units')),
    sa.PrimaryKeyConstraint('kind', name=op.f('pk_field_finding_routes'))
    )
    op.create_table('field_patrol_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('utility', sa.String(length=10), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=False),
    sa.Column('org_path', sa.String(length=400), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('rrule', sa.String(length=200), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('holidays', sa.String(length=12), nullable=False),
    sa.Column('stops', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('max_distance_m', sa.Integer(), nullable=False),
    sa.Column('distances', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('far_policy', sa.String(length=8), nullable=False),
    sa.Column('grace_days', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], name=op.f('fk_field_patrol_plans_assignee_id_users')),
    sa.ForeignKeyConstraint(['grid_id'], ['grids.id'], name=op.f('fk_field_patrol_plans_grid_id_grids')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_field_patrol_plans'))
    )
    with op.batch_alter_table('field_patrol_plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_field_patrol_plans_assignee_id'), ['assignee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_field_patrol_plans_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_field_patrol_plans_org_path'), ['org_path'], unique=False)

    op.create_table('field_stakeholders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=False),
    sa.Column('org_path', sa.String(length=400), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('contact', sa.String(length=100), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('address', sa.String(length=400), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['grid_id'], ['grids.id'], name=op.f('fk_field_stakeholders_grid_id_grids')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_field_stakeholders'))
    )
    with op.batch_alter_table('field_stakeholders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_field_stakeholders_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_field_stakeholders_org_path'), ['org_path'], unique=False)

    op.create_table('field_data_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('utility', sa.String(length=10), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=True),
    sa.Column('org_path', sa.String(length=400), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('asset_code', sa.String(length=60), nullable=True),
    sa.Column('payload', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('submitted_by', sa.String(length=64), nullable=False),
    sa.Column('submitted_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reviewed_by', sa.String(length=64), nullable=True),
    sa.Column('reviewed_at', gridcare.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('before', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('after', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_field_data_changes_customer_id_customers')),
    sa.ForeignKeyConstraint(['grid_id'], ['grids.id'], name=op.f('fk_field_data_changes_grid_id_grids')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_field_data_changes'))
    )
    with op.batch_alter_table('field_data_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_field_data_changes_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_field_data_changes_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_field_data_changes_org_path'), ['org_path'], unique=False)
        batch_op.create_index(batch_op.f('ix_field_data_changes_status'), ['status'], unique=False)

    op.create_table('field_visit_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('stakeholder_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('basis', sa.String(length=40), nullable=False),
    sa.Column('rep_id', sa.Integer(), nullable=True),
    sa.Column('grid_id', sa.Integer(), nullable=True),
    sa.Column('org_path', sa.String(length=400), nullable=False),
    sa.Column('every_months', sa.Integer(), nullable=False),
    sa.Column('unannounced', sa.Boolean(), nullable=False),
    sa.Column('next_due', sa.Date(), nullable=False),
    sa.Column('last_visit_at', gridcare.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('overdue_told_for', sa.Date(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_field_visit_plans_customer_id_customers')),
    sa.ForeignKeyConstraint(['grid_id'], ['grids.id'], name=op.f('fk_field_visit_plans_grid_id_grids')),
    sa.ForeignKeyConstraint(['rep_id'], ['users.id'], name=op.f('fk_field_visit_plans_rep_id_users')),
    sa.ForeignKeyConstraint(['stakeholder_id'], ['field_stakeholders.id'], name=op.f('fk_field_visit_plans_stakeholder_id_field_stakeholders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_field_visit_plans')),
    sa.UniqueConstraint('key', name=op.f('uq_field_visit_plans_key'))
    )
    with op.batch_alter_table('field_visit_plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_field_visit_plans_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_field_visit_plans_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_field_visit_plans_next_due'), ['next_due'], unique=False)
        batch_op.create_index(batch_op.f('ix_field_visit_plans_org_path'), ['org_path'], unique=False)
        batch_op.create_index(batch_op.f('ix_field_visit_plans_rep_id'), ['rep_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_field_visit_plans_stakeholder_id'), ['stakeholder_id'], unique=False)

    op.create_table('field_visits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('visited_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('visitor', sa.String(length=64), nullable=False),
    sa.Column('contact_met', sa.String(length=100), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('issues', sa.Text(), nullable=False),
    sa.Column('satisfaction', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['field_visit_plans.id'], name=op.f('fk_field_visits_plan_id_field_visit_plans')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_field_visits'))
    )
    with op.batch_alter_table('field_visits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_field_visits_plan_id'), ['plan_id'], unique=False)

    op.create_table('field_watches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('change_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('utility', sa.String(length=10), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=True),
    sa.Column('org_path', sa.String(length=400), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('near', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('every_days', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('created_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closed_at', gridcare.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_by', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], name=op.f('fk_field_watches_assignee_id_users')),
    sa.ForeignKeyConstraint(['change_id'], ['field_data_changes.id'], name=op.f('fk_field_watches_change_id_field_data_changes')),
    sa.ForeignKeyConstraint(['grid_id'], ['grids.id'], name=op.f('fk_field_watches_grid_id_grids')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_field_watches'))
    )
    with op.batch_alter_table('field_watches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_field_watches_change_id'), ['change_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_field_watches_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_field_watches_org_path'), ['org_path'], unique=False)
        batch_op.create_index(batch_op.f('ix_field_watches_status'), ['status'], unique=False)

    op.create_table('field_patrol_tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=True),
    sa.Column('watch_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('utility', sa.String(length=10), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=True),
    sa.Column('org_path', sa.String(length=400), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('planned_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('late_flagged_at', gridcare.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('missed_flagged_at', gridcare.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('grace_days', sa.Integer(), nullable=False),
    sa.Column('done_at', gridcare.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], name=op.f('fk_field_patrol_tasks_assignee_id_users')),
    sa.ForeignKeyConstraint(['grid_id'], ['grids.id'], name=op.f('fk_field_patrol_tasks_grid_id_grids')),
    sa.ForeignKeyConstraint(['plan_id'], ['field_patrol_plans.id'], name=op.f('fk_field_patrol_tasks_plan_id_field_patrol_plans')),
    sa.ForeignKeyConstraint(['watch_id'], ['field_watches.id'], name=op.f('fk_field_patrol_tasks_watch_id_field_watches')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_field_patrol_tasks')),
    sa.UniqueConstraint('key', name=op.f('uq_field_patrol_tasks_key'))
    )
    with op.batch_alter_table('field_patrol_tasks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_field_patrol_tasks_assignee_id'), ['assignee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_field_patrol_tasks_due_on'), ['due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_field_patrol_tasks_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_field_patrol_tasks_org_path'), ['org_path'], unique=False)
        batch_op.create_index(batch_op.f('ix_field_patrol_tasks_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_field_patrol_tasks_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_field_patrol_tasks_watch_id'), ['watch_id'], unique=False)
        batch_op.create_index('ix_field_tasks_assignee_due', ['assignee_id', 'due_on'], unique=False)

    op.create_table('field_patrol_stops',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('asset_kind', sa.String(length=20), nullable=False),
    sa.Column('asset_code', sa.String(length=60), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('max_distance_m', sa.Integer(), nullable=False),
    sa.Column('far_policy', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('checked_at', gridcare.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('checked_by', sa.String(length=64), nullable=True),
    sa.Column('checked_lon', sa.Float(), nullable=True),
    sa.Column('checked_lat', sa.Float(), nullable=True),
    sa.Column('distance_m', sa.Float(), nullable=True),
    sa.Column('far', sa.Boolean(), nullable=False),
    sa.Column('checklist', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('photos', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['task_id'], ['field_patrol_tasks.id'], name=op.f('fk_field_patrol_stops_task_id_field_patrol_tasks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_field_patrol_stops'))
    )
    with op.batch_alter_table('field_patrol_stops', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_field_patrol_stops_task_id'), ['task_id'], unique=False)

    op.create_table('field_findings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('stop_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('order_number', sa.String(length=30), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['org_units.id'], name=op.f('fk_field_findings_department_id_org_units')),
    sa.ForeignKeyConstraint(['order_id'], ['work_orders.id'], name=op.f('fk_field_findings_order_id_work_orders')),
    sa.ForeignKeyConstraint(['stop_id'], ['field_patrol_stops.id'], name=op.f('fk_field_findings_stop_id_field_patrol_stops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_field_findings'))
    )
    with op.batch_alter_table('field_findings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_field_findings_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_field_findings_stop_id'), ['stop_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('field_findings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_field_findings_stop_id'))
        batch_op.drop_index(batch_op.f('ix_field_findings_order_id'))

    op.drop_table('field_findings')
    with op.batch_alter_table('field_patrol_stops', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_field_patrol_stops_task_id'))

    op.drop_table('field_patrol_stops')
    with op.batch_alter_table('field_patrol_tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_field_tasks_assignee_due')
        batch_op.drop_index(batch_op.f('ix_field_patrol_tasks_watch_id'))
        batch_op.drop_index(batch_op.f('ix_field_patrol_tasks_status'))
        batch_op.drop_index(batch_op.f('ix_field_patrol_tasks_plan_id'))
        batch_op.drop_index(batch_op.f('ix_field_patrol_tasks_org_path'))
        batch_op.drop_index(batch_op.f('ix_field_patrol_tasks_grid_id'))
        batch_op.drop_index(batch_op.f('ix_field_patrol_tasks_due_on'))
        batch_op.drop_index(batch_op.f('ix_field_patrol_tasks_assignee_id'))

    op.drop_table('field_patrol_tasks')
    with op.batch_alter_table('field_watches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_field_watches_status'))
        batch_op.drop_index(batch_op.f('ix_field_watches_org_path'))
        batch_op.drop_index(batch_op.f('ix_field_watches_grid_id'))
        batch_op.drop_index(batch_op.f('ix_field_watches_change_id'))

    op.drop_table('field_watches')
    with op.batch_alter_table('field_visits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_field_visits_plan_id'))

    op.drop_table('field_visits')
    with op.batch_alter_table('field_visit_plans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_field_visit_plans_stakeholder_id'))
        batch_op.drop_index(batch_op.f('ix_field_visit_plans_rep_id'))
        batch_op.drop_index(batch_op.f('ix_field_visit_plans_org_path'))
        batch_op.drop_index(batch_op.f('ix_field_visit_plans_next_due'))
        batch_op.drop_index(batch_op.f('ix_field_visit_plans_grid_id'))
        batch_op.drop_index(batch_op.f('ix_field_visit_plans_customer_id'))

    op.drop_table('field_visit_plans')
    with op.batch_alter_table('field_data_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_field_data_changes_status'))
        batch_op.drop_index(batch_op.f('ix_field_data_changes_org_path'))
        batch_op.drop_index(batch_op.f('ix_field_data_changes_grid_id'))
        batch_op.drop_index(batch_op.f('ix_field_data_changes_customer_id'))

    op.drop_table('field_data_changes')
    with op.batch_alter_table('field_stakeholders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_field_stakeholders_org_path'))
        batch_op.drop_index(batch_op.f('ix_field_stakeholders_grid_id'))

    op.drop_table('field_stakeholders')
    with op.batch_alter_table('field_patrol_plans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_field_patrol_plans_org_path'))
        batch_op.drop_index(batch_op.f('ix_field_patrol_plans_grid_id'))
        batch_op.drop_index(batch_op.f('ix_field_patrol_plans_assignee_id'))

    op.drop_table('field_patrol_plans')
    op.drop_table('field_finding_routes')
    op.drop_table('field_visit_rules')
    op.drop_table('field_checklists')
