"""a booth's day at a centre event: each booking's outcome (entered the room, held, no-show,
result, follow-up) and the minutes a slot was moved by a booth running late

Revision ID: 0520
Revises: 0511
"""

from alembic import op
import sqlalchemy as sa


revision = '0520'
down_revision = '0511'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('event_interviews',
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.Column('shown_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('held_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('no_show_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('result', sa.String(length=8), nullable=True),
    sa.Column('result_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('result_by', sa.Integer(), nullable=True),
    sa.Column('followed_up_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('follow_up_kind', sa.String(length=16), nullable=True),
    sa.ForeignKeyConstraint(['booking_id'], ['event_bookings.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['result_by'], ['users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('booking_id')
    )
    with op.batch_alter_table('event_slots', schema=None) as batch_op:
        batch_op.add_column(sa.Column('delay_min', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('event_slots', schema=None) as batch_op:
        batch_op.drop_column('delay_min')
    op.drop_table('event_interviews')
