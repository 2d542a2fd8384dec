"""auth throttle counters shared across processes

Revision ID: 0400
Revises: 0301
"""

from alembic import op
import sqlalchemy as sa



revision = '0400'
down_revision = '0301'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'auth_throttle',
        sa.Column('key', sa.String(length=400), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('first_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('blocked_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('refused', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('key'),
    )
    op.create_index('ix_audit_events_event', 'audit_events', ['event'])


def downgrade() -> None:
    op.drop_index('ix_audit_events_event', table_name='audit_events')
    op.drop_table('auth_throttle')
