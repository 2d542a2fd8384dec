"""Outreach programmes for target groups (issue 15 item 4): programmes, enrolments, the events
and postings they carry, what was sent to whom, and the facts a seeker chose to tell

Revision ID: 0530
Revises: 0520
"""

from alembic import op
import sqlalchemy as sa


revision = '0530'
down_revision = '0520'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('outreach_programmes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('target_group', sa.String(length=24), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('outreach_programmes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outreach_programmes_owner_id'), ['owner_id'], unique=False)

    op.create_table('outreach_enrolments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('seeker_id', sa.Integer(), nullable=False),
    sa.Column('enrolled_by', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('enrolled_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('left_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['programme_id'], ['outreach_programmes.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['seeker_id'], ['users.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['enrolled_by'], ['users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('programme_id', 'seeker_id', name='uq_outreach_enrolment')
    )
    with op.batch_alter_table('outreach_enrolments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outreach_enrolments_programme_id'), ['programme_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outreach_enrolments_seeker_id'), ['seeker_id'], unique=False)

    op.create_table('outreach_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('posting_id', sa.Integer(), nullable=True),
    sa.Column('added_by', sa.Integer(), nullable=True),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(event_id IS NULL) <> (posting_id IS NULL)', name='ck_outreach_item_one'),
    sa.ForeignKeyConstraint(['programme_id'], ['outreach_programmes.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['posting_id'], ['careers_postings.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['added_by'], ['users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('programme_id', 'event_id', name='uq_outreach_item_event'),
    sa.UniqueConstraint('programme_id', 'posting_id', name='uq_outreach_item_posting')
    )
    with op.batch_alter_table('outreach_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outreach_items_programme_id'), ['programme_id'], unique=False)

    op.create_table('outreach_sends',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('seeker_id', sa.Integer(), nullable=False),
    sa.Column('notification_id', sa.Integer(), nullable=True),
    sa.Column('sent_by', sa.Integer(), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['outreach_items.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['seeker_id'], ['users.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['notification_id'], ['notifications.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['sent_by'], ['users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('item_id', 'seeker_id', name='uq_outreach_send')
    )
    with op.batch_alter_table('outreach_sends', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outreach_sends_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outreach_sends_seeker_id'), ['seeker_id'], unique=False)

    op.create_table('outreach_seeker_facts',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('birth_year', sa.Integer(), nullable=True),
    sa.Column('career_break', sa.Boolean(), nullable=True),
    sa.Column('disability', sa.Boolean(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id')
    )


def downgrade() -> None:
    op.drop_table('outreach_seeker_facts')
    with op.batch_alter_table('outreach_sends', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outreach_sends_seeker_id'))
        batch_op.drop_index(batch_op.f('ix_outreach_sends_item_id'))
    op.drop_table('outreach_sends')
    with op.batch_alter_table('outreach_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outreach_items_programme_id'))
    op.drop_table('outreach_items')
    with op.batch_alter_table('outreach_enrolments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outreach_enrolments_seeker_id'))
        batch_op.drop_index(batch_op.f('ix_outreach_enrolments_programme_id'))
    op.drop_table('outreach_enrolments')
    with op.batch_alter_table('outreach_programmes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outreach_programmes_owner_id'))
    op.drop_table('outreach_programmes')
