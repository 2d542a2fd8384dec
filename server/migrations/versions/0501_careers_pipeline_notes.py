"""careers pipeline: employers' internal notes per candidate and posting

Revision ID: 0501
Revises: 0500
"""

from alembic import op
import sqlalchemy as sa


revision = '0501'
down_revision = '0500'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('careers_pipeline_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('posting_id', sa.Integer(), nullable=False),
    sa.Column('seeker_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('author_name', sa.String(length=100), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['posting_id'], ['careers_postings.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['seeker_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_careers_pipeline_notes_posting_seeker', 'careers_pipeline_notes', ['posting_id', 'seeker_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_careers_pipeline_notes_posting_seeker', table_name='careers_pipeline_notes')
    op.drop_table('careers_pipeline_notes')
