"""live rooms for counselling bookings and mentoring sessions: each person's recording
consent, the room chat and recorded tracks, by room kind and reference

Revision ID: 0502
Revises: 0501
"""

from alembic import op
import sqlalchemy as sa


revision = '0502'
down_revision = '0501'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('live_room_consents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('room_kind', sa.String(length=16), nullable=False),
    sa.Column('ref_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('granted_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('room_kind', 'ref_id', 'user_id', name='uq_live_room_consent')
    )
    with op.batch_alter_table('live_room_consents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_live_room_consents_user_id'), ['user_id'], unique=False)

    op.create_table('live_room_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('room_kind', sa.String(length=16), nullable=False),
    sa.Column('ref_id', sa.Integer(), nullable=False),
    sa.Column('sender_id', sa.Integer(), nullable=True),
    sa.Column('sender_name', sa.String(length=100), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['sender_id'], ['users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('live_room_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_live_room_messages_room_kind'), ['room_kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_live_room_messages_ref_id'), ['ref_id'], unique=False)

    op.create_table('live_room_recordings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('room_kind', sa.String(length=16), nullable=False),
    sa.Column('ref_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=True),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('recording_path', sa.String(length=500), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('duration_s', sa.Float(), nullable=True),
    sa.Column('partial', sa.Boolean(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('owner_instance', sa.String(length=128), nullable=True),
    sa.ForeignKeyConstraint(['participant_id'], ['users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('live_room_recordings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_live_room_recordings_room_kind'), ['room_kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_live_room_recordings_ref_id'), ['ref_id'], unique=False)


def downgrade() -> None:
    op.drop_table('live_room_recordings')
    op.drop_table('live_room_messages')
    op.drop_table('live_room_consents')
