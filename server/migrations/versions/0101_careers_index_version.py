"""careers: posting index version counter

Revision ID: 0101
Revises: 0100
"""

from alembic import op
import sqlalchemy as sa


revision = '0101'
down_revision = '0100'
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table('careers_posting_index_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    # The single row exists from the start, so bumping it is always a plain UPDATE.
    op.bulk_insert(table, [{'id': 1, 'version': 0}])


def downgrade() -> None:
    op.drop_table('careers_posting_index_version')
