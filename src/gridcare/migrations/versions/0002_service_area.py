"""service area: grid geometry and versions, customers, network

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import gridcare.db

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('dmas',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('geometry', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dmas')),
    sa.UniqueConstraint('code', name=op.f('uq_dmas_code'))
    )
    op.create_table('grid_assignment_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('entity', sa.String(length=20), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=False),
    sa.Column('old_grid_id', sa.Integer(), nullable=True),
    sa.Column('new_grid_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grid_assignment_changes'))
    )
    with op.batch_alter_table('grid_assignment_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grid_assignment_changes_at'), ['at'], unique=False)
        batch_op.create_index('ix_grid_assignment_changes_entity', ['entity', 'entity_id'], unique=False)

    op.create_table('service_areas',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_unit_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('geometry', sa.Text(), nullable=False),
    sa.Column('updated_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['org_unit_id'], ['org_units.id'], name=op.f('fk_service_areas_org_unit_id_org_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_areas')),
    sa.UniqueConstraint('org_unit_id', name=op.f('uq_service_areas_org_unit_id'))
    )
    op.create_table('assets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('utility', sa.String(length=10), nullable=False),
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('parent', sa.String(length=60), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('grid_id', sa.Integer(), nullable=True),
    sa.Column('attributes', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['grid_id'], ['grids.id'], name=op.f('fk_assets_grid_id_grids')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assets')),
    sa.UniqueConstraint('utility', 'code', name='uq_assets_utility_code')
    )
    with op.batch_alter_table('assets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assets_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assets_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_assets_parent'), ['parent'], unique=False)

    op.create_table('customers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('address', sa.String(length=400), nullable=False),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('utility', sa.String(length=10), nullable=False),
    sa.Column('supply_point', sa.String(length=60), nullable=True),
    sa.Column('grid_id', sa.Integer(), nullable=True),
    sa.Column('org_path', sa.String(length=400), nullable=False),
    sa.Column('tags', sa.String(length=80), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('attributes', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('created_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['grid_id'], ['grids.id'], name=op.f('fk_customers_grid_id_grids')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customers')),
    sa.UniqueConstraint('account', name=op.f('uq_customers_account'))
    )
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customers_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_customers_org_path'), ['org_path'], unique=False)
        batch_op.create_index(batch_op.f('ix_customers_supply_point'), ['supply_point'], unique=False)

    op.create_table('grid_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False, server_default='1'),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('geometry', sa.Text(), nullable=True),
    sa.Column('rep_id', sa.Integer(), nullable=True),
    sa.Column('backup_id', sa.Integer(), nullable=True),
    sa.Column('effective_from', gridcare.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('effective_to', gridcare.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('created_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['backup_id'], ['users.id'], name=op.f('fk_grid_versions_backup_id_users')),
    sa.ForeignKeyConstraint(['grid_id'], ['grids.id'], name=op.f('fk_grid_versions_grid_id_grids')),
    sa.ForeignKeyConstraint(['rep_id'], ['users.id'], name=op.f('fk_grid_versions_rep_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grid_versions'))
    )
    with op.batch_alter_table('grid_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grid_versions_grid_id'), ['grid_id'], unique=False)

    op.create_table('pipes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('from_code', sa.String(length=60), nullable=False),
    sa.Column('to_code', sa.String(length=60), nullable=False),
    sa.Column('material', sa.String(length=30), nullable=False),
    sa.Column('diameter_mm', sa.Integer(), nullable=True),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('length_m', sa.Float(), nullable=True),
    sa.Column('geometry', sa.Text(), nullable=True),
    sa.Column('grid_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['grid_id'], ['grids.id'], name=op.f('fk_pipes_grid_id_grids')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pipes')),
    sa.UniqueConstraint('code', name=op.f('uq_pipes_code'))
    )
    with op.batch_alter_table('pipes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pipes_from_code'), ['from_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_pipes_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pipes_to_code'), ['to_code'], unique=False)

    op.create_table('customer_phones',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('e164', sa.String(length=20), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_customer_phones_customer_id_customers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_phones'))
    )
    with op.batch_alter_table('customer_phones', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_phones_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_customer_phones_e164'), ['e164'], unique=False)

    op.create_table('customer_tags',
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('tag', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_customer_tags_customer_id_customers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('customer_id', 'tag', name=op.f('pk_customer_tags'))
    )
    with op.batch_alter_table('customer_tags', schema=None) as batch_op:
        batch_op.create_index('ix_customer_tags_tag', ['tag'], unique=False)

    op.create_table('meters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_meters_customer_id_customers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meters')),
    sa.UniqueConstraint('number', name=op.f('uq_meters_number'))
    )
    with op.batch_alter_table('meters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meters_customer_id'), ['customer_id'], unique=False)

    with op.batch_alter_table('grids', schema=None) as batch_op:
        batch_op.add_column(sa.Column('area_class', sa.String(length=10), nullable=False, server_default='urban'))
        batch_op.add_column(sa.Column('district', sa.String(length=60), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('geometry', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('min_lon', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('min_lat', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('max_lon', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('max_lat', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('area_m2', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('properties', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False, server_default='{}'))
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('effective_from', gridcare.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('updated_at', gridcare.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_grids_bbox', ['min_lon', 'max_lon', 'min_lat', 'max_lat'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('grids', schema=None) as batch_op:
        batch_op.drop_index('ix_grids_bbox')
        batch_op.drop_column('updated_at')
        batch_op.drop_column('effective_from')
        batch_op.drop_column('version')
        batch_op.drop_column('properties')
        batch_op.drop_column('area_m2')
        batch_op.drop_column('max_lat')
        batch_op.drop_column('max_lon')
        batch_op.drop_column('min_lat')
        batch_op.drop_column('min_lon')
        batch_op.drop_column('geometry')
        batch_op.drop_column('district')
        batch_op.drop_column('area_class')

    with op.batch_alter_table('meters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meters_customer_id'))

    op.drop_table('meters')
    with op.batch_alter_table('customer_tags', schema=None) as batch_op:
        batch_op.drop_index('ix_customer_tags_tag')

    op.drop_table('customer_tags')
    with op.batch_alter_table('customer_phones', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_phones_e164'))
        batch_op.drop_index(batch_op.f('ix_customer_phones_customer_id'))

    op.drop_table('customer_phones')
    with op.batch_alter_table('pipes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pipes_to_code'))
        batch_op.drop_index(batch_op.f('ix_pipes_grid_id'))
        batch_op.drop_index(batch_op.f('ix_pipes_from_code'))

    op.drop_table('pipes')
    with op.batch_alter_table('grid_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grid_versions_grid_id'))

    op.drop_table('grid_versions')
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customers_supply_point'))
        batch_op.drop_index(batch_op.f('ix_customers_org_path'))
        batch_op.drop_index(batch_op.f('ix_customers_grid_id'))

    op.drop_table('customers')
    with op.batch_alter_table('assets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assets_parent'))
        batch_op.drop_index(batch_op.f('ix_assets_kind'))
        batch_op.drop_index(batch_op.f('ix_assets_grid_id'))

    op.drop_table('assets')
    op.drop_table('service_areas')
    with op.batch_alter_table('grid_assignment_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_grid_assignment_changes_entity')
        batch_op.drop_index(batch_op.f('ix_grid_assignment_changes_at'))

    op.drop_table('grid_assignment_changes')
    op.drop_table('dmas')
