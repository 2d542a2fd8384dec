"""Job To Job Visit and 기업 진단 (issue 15): companies registered by a consultant with their
one-time claim, and every company hiring diagnosis

Revision ID: 0511
Revises: 0510
"""

from alembic import op
import sqlalchemy as sa


revision = '0511'
down_revision = '0510'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('company_registrations',
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('consultant_id', sa.Integer(), nullable=True),
    sa.Column('contact_name', sa.String(length=100), nullable=False),
    sa.Column('contact_email', sa.String(length=320), nullable=False),
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.Column('link_expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claimed_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['consultant_id'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['claimed_by'], ['users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('company_id')
    )
    with op.batch_alter_table('company_registrations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_company_registrations_consultant_id'), ['consultant_id'], unique=False)

    op.create_table('company_diagnoses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('filled_by', sa.Integer(), nullable=True),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('scores', sa.JSON(), nullable=False),
    sa.Column('difficulty_type', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['filled_by'], ['users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('company_diagnoses', schema=None) as batch_op:
        batch_op.create_index('ix_company_diagnoses_company_at', ['company_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_company_diagnoses_difficulty_type'), ['difficulty_type'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('company_diagnoses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_company_diagnoses_difficulty_type'))
        batch_op.drop_index('ix_company_diagnoses_company_at')
    op.drop_table('company_diagnoses')
    with op.batch_alter_table('company_registrations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_company_registrations_consultant_id'))
    op.drop_table('company_registrations')
