"""interview room recordings: role, analysis status and report

Revision ID: 0301
Revises: 0300
"""

from alembic import op
import sqlalchemy as sa


revision = '0301'
down_revision = '0300'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('interview_room_recordings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('role', sa.String(length=16), nullable=False, server_default='candidate'))
        batch_op.add_column(sa.Column('status', sa.String(length=16), nullable=False, server_default='recording'))
        batch_op.add_column(sa.Column('report', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('error_code', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('interview_room_recordings', schema=None) as batch_op:
        batch_op.drop_column('error_code')
        batch_op.drop_column('report')
        batch_op.drop_column('status')
        batch_op.drop_column('role')
