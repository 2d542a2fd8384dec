"""the owning process of live-room recordings (recovery leaves a live process's recordings alone)

Revision ID: 0406
Revises: 0405
"""

from alembic import op
import sqlalchemy as sa


revision = '0406'
down_revision = '0405'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('interview_room_recordings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('owner_instance', sa.String(length=128), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('interview_room_recordings', schema=None) as batch_op:
        batch_op.drop_column('owner_instance')
