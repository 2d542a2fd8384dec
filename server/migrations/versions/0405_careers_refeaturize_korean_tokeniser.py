"""careers: re-featurise postings and profile search terms with the Korean tokeniser

Korean words are now noun lemmas from kiwipiepy (analysis.morph) instead of a particle
suffix list, so the stored n-grams and search terms of every posting and profile are
recomputed, and the posting index version is bumped so every process reloads its index.
No schema change.

Revision ID: 0405
Revises: 0301
"""

from alembic import op
import sqlalchemy as sa


revision = '0405'
down_revision = '0402'
branch_labels = None
depends_on = '0101'  # re-featurises careers_postings and bumps careers_posting_index_version

_postings = sa.table(
    'careers_postings',
    sa.column('id', sa.Integer), sa.column('title', sa.String), sa.column('field', sa.String),
    sa.column('duties', sa.Text), sa.column('required_skills', sa.JSON), sa.column('preferred_skills', sa.JSON),
    sa.column('career_level', sa.String), sa.column('min_career_years', sa.Float),
    sa.column('max_career_years', sa.Float), sa.column('education', sa.String),
    sa.column('employment_type', sa.String), sa.column('region', sa.String), sa.column('region_id', sa.String),
    sa.column('salary_min_krw', sa.Integer), sa.column('salary_max_krw', sa.Integer),
    sa.column('deadline', sa.Date), sa.column('openings', sa.Integer), sa.column('features', sa.JSON),
    sa.column('text_ngrams', sa.LargeBinary), sa.column('search_terms', sa.Text),
)
_profiles = sa.table(
    'careers_seeker_profiles',
    sa.column('user_id', sa.Integer), sa.column('headline', sa.String), sa.column('career_history', sa.Text),
    sa.column('skills', sa.JSON), sa.column('certificates', sa.JSON), sa.column('search_terms', sa.Text),
)
_version = sa.table('careers_posting_index_version', sa.column('id', sa.Integer), sa.column('version', sa.Integer))


def _refeaturize() -> None:
    from server.careers.service import profile_search_terms, stored_posting_columns
    from server.domain.errors import DomainError
    from server.domain.matching import JobPosting

    bind = op.get_bind()
    for row in bind.execute(sa.select(_postings)).mappings().all():
        posting = JobPosting(
            posting_id=str(row['id']), title=row['title'], field=row['field'], duties=row['duties'] or '',
            required_skills=tuple(row['required_skills'] or ()), preferred_skills=tuple(row['preferred_skills'] or ()),
            career_level=row['career_level'], min_career_years=row['min_career_years'] or 0.0,
            max_career_years=row['max_career_years'], education=row['education'],
            employment_type=row['employment_type'], region=row['region'] or '',
            salary_min_krw_per_year=row['salary_min_krw'], salary_max_krw_per_year=row['salary_max_krw'],
            deadline=row['deadline'], openings=row['openings'],
        )
        try:
            columns = stored_posting_columns(posting)
        except DomainError:
            continue  # a row the current rules reject keeps its old features rather than failing the upgrade
        bind.execute(sa.update(_postings).where(_postings.c.id == row['id']).values(**columns))
    for row in bind.execute(sa.select(_profiles)).mappings().all():
        terms = profile_search_terms(row['headline'] or '', row['career_history'] or '',
                                     list(row['skills'] or []), list(row['certificates'] or []))
        bind.execute(sa.update(_profiles).where(_profiles.c.user_id == row['user_id']).values(search_terms=terms))
    bind.execute(sa.update(_version).where(_version.c.id == 1).values(version=_version.c.version + 1))


def upgrade() -> None:
    _refeaturize()


def downgrade() -> None:
    # The features are derived data: recomputing them with the code at hand is all a downgrade can do.
    _refeaturize()
