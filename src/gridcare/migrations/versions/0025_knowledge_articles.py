"""knowledge_articles and knowledge_terms: the knowledge base (知识库) agents search while a
caller waits, and its search index

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import gridcare.db

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'knowledge_articles',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('keywords', sa.String(length=400), nullable=False),
        sa.Column('topic', sa.String(length=40), nullable=False),
        sa.Column('utility', sa.String(length=10), nullable=True),
        sa.Column('org_path', sa.String(length=400), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('uses', sa.Integer(), nullable=False),
        sa.Column('question_id', sa.Integer(), nullable=True),
        sa.Column('review_by', gridcare.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('created_by', sa.String(length=64), nullable=False),
        sa.Column('created_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('updated_by', sa.String(length=64), nullable=False),
        sa.Column('updated_at', gridcare.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['question_id'], ['work_order_questions.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    for column in ('topic', 'org_path', 'status', 'question_id', 'review_by'):
        op.create_index(f'ix_knowledge_articles_{column}', 'knowledge_articles', [column])
    op.create_table(
        'knowledge_terms',
        sa.Column('term', sa.String(length=40), nullable=False),
        sa.Column('article_id', sa.Integer(), nullable=False),
        sa.Column('weight', sa.SmallInteger(), nullable=False),
        sa.ForeignKeyConstraint(['article_id'], ['knowledge_articles.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('term', 'article_id'),
    )
    op.create_index('ix_knowledge_terms_article_id', 'knowledge_terms', ['article_id'])


def downgrade() -> None:
    op.drop_table('knowledge_terms')
    op.drop_table('knowledge_articles')
