"""centre events (issue 15): events, company booths, live interview slots per booth and
seekers' bookings with a waiting list; partial unique indexes make double booking impossible

Revision ID: 0510
Revises: 0502
"""

from alembic import op
import sqlalchemy as sa


revision = '0510'
down_revision = '0502'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('booking_version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('event_booths',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('posting_id', sa.Integer(), nullable=True),
    sa.Column('question_set_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['posting_id'], ['careers_postings.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['question_set_id'], ['interview_question_sets.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('event_id', 'company_id', name='uq_event_booth_company')
    )
    with op.batch_alter_table('event_booths', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_booths_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_booths_company_id'), ['company_id'], unique=False)

    op.create_table('event_slots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('booth_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('duration_min', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['booth_id'], ['event_booths.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('event_slots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_slots_booth_id'), ['booth_id'], unique=False)

    op.create_table('event_bookings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('slot_id', sa.Integer(), nullable=False),
    sa.Column('seeker_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('position', sa.Integer(), nullable=True),
    sa.Column('application_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('promoted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['slot_id'], ['event_slots.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['seeker_id'], ['users.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['application_id'], ['careers_applications.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('event_bookings', schema=None) as batch_op:
        batch_op.create_index('ix_event_bookings_event_seeker', ['event_id', 'seeker_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_bookings_slot_id'), ['slot_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_bookings_seeker_id'), ['seeker_id'], unique=False)
        batch_op.create_index(
            'uq_event_booking_slot_booked', ['slot_id'], unique=True,
            sqlite_where=sa.text("status = 'booked'"), postgresql_where=sa.text("status = 'booked'"),
        )
        batch_op.create_index(
            'uq_event_booking_slot_seeker', ['slot_id', 'seeker_id'], unique=True,
            sqlite_where=sa.text("status IN ('booked', 'waiting')"),
            postgresql_where=sa.text("status IN ('booked', 'waiting')"),
        )


def downgrade() -> None:
    op.drop_table('event_bookings')
    op.drop_table('event_slots')
    op.drop_table('event_booths')
    op.drop_table('events')
