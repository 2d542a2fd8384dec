"""job leases with heartbeats, process heartbeats, the owning process of live answers

Revision ID: 0402
Revises: 0301
"""

from alembic import op
import sqlalchemy as sa


revision = '0402'
down_revision = '0400'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        'process_heartbeats',
        sa.Column('instance_id', sa.String(length=128), nullable=False),
        sa.Column('role', sa.String(length=16), nullable=False),
        sa.Column('hostname', sa.String(length=255), nullable=False),
        sa.Column('pid', sa.Integer(), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('instance_id'),
    )
    with op.batch_alter_table('process_heartbeats', schema=None) as batch_op:
        batch_op.create_index('ix_process_heartbeats_last_seen_at', ['last_seen_at'], unique=False)
    for table in ('practice_answers', 'interview_answers'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('owner_instance', sa.String(length=128), nullable=True))


def downgrade() -> None:
    for table in ('interview_answers', 'practice_answers'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('owner_instance')
    with op.batch_alter_table('process_heartbeats', schema=None) as batch_op:
        batch_op.drop_index('ix_process_heartbeats_last_seen_at')
    op.drop_table('process_heartbeats')
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_column('lease_until')
