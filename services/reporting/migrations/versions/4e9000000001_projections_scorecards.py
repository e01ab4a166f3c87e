"""projections of the whole lifecycle, scorecards by period, rankings by kind

Revision ID: 4e9000000001
Revises: 64274de26823
Create Date: 2026-11-21

Dossier facts gain the slots of the lifecycle (marked late, deadline moves, supplement pause and resume)
and who is answerable; `occurrences` keeps every other fact counted or shown in a drill-down (and
replaces `discipline_facts`); `published_rankings` keeps the last published ranking per period and kind
of unit (and replaces `ranking_periods`). Everything here is rebuilt from `event_archive` by
`kycuong reporting rebuild`, so the replaced tables are dropped, not copied.

Units keep the Vietnamese sort key of their name; `task_months` and `unit_tasks` count each lead unit's
tasks per month (the composite ranking reads them instead of every task), with the indexes on `task_facts`
that find the tasks a running month judges row by row; `figure_months` counts each unit's explanations,
feedback steps and ratings per month for the same ranking. Filled by a rebuild.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

import shared.db

# revision identifiers, used by Alembic.
revision: str = '4e9000000001'
down_revision: Union[str, Sequence[str], None] = '64274de26823'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_FACT_SLOTS = ("marked_late", "deadline", "pause", "resume")
_FACT_INSTANTS = ("paused_since", "marked_late_at")
_FACT_CODES = {"late_reason": 32, "responsible_step": 64, "responsible_official": 64, "responsible_unit": 64,
               "overdue_step": 64, "overdue_official": 64}
_TASK_INDEXED = ("due_at", "completed_at", "overdue_detected_at", "overdue_cleared_at", "in_counters")
_TASK_MONTH_COUNTERS = ("entered", "left", "completed_on_time", "completed_late", "overdue_change")
_UNIT_TASK_TOTALS = ("entered", "left", "overdue_change")
_FIGURE_COUNTERS = ("explanations_requested", "explanations_missed", "feedback_handled", "feedback_on_time",
                    "feedback_overdue", "ratings", "ratings_satisfied")


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('dossier_facts', schema=None) as batch_op:
        for name in _FACT_SLOTS:
            batch_op.add_column(sa.Column(name, sa.JSON(), nullable=True))
        for name in _FACT_INSTANTS:
            batch_op.add_column(sa.Column(name, shared.db.UtcDateTime(timezone=True), nullable=True))
        for name, length in _FACT_CODES.items():
            batch_op.add_column(sa.Column(name, sa.String(length=length), nullable=True))

    op.create_table('occurrences',
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('subject', sa.String(length=64), nullable=False),
    sa.Column('key', sa.String(length=96), nullable=False),
    sa.Column('unit', sa.String(length=64), nullable=True),
    sa.Column('at', shared.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('official', sa.String(length=64), nullable=True),
    sa.Column('step', sa.String(length=64), nullable=True),
    sa.Column('on_time', sa.Boolean(), nullable=True),
    sa.Column('related', sa.String(length=64), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('kind', 'subject', 'key', name=op.f('pk_occurrences'))
    )
    with op.batch_alter_table('occurrences', schema=None) as batch_op:
        batch_op.create_index('ix_occurrences_unit_kind_at', ['unit', 'kind', 'at'], unique=False)
        batch_op.create_index('ix_occurrences_related', ['related'], unique=False)
        batch_op.create_index('ix_occurrences_at', ['at', 'unit', 'kind', 'on_time'], unique=False)

    op.create_table('published_rankings',
    sa.Column('period', sa.String(length=24), nullable=False),
    sa.Column('unit_kind', sa.String(length=32), nullable=False),
    sa.Column('units_ranked', sa.Integer(), nullable=False),
    sa.Column('entries', sa.JSON(), nullable=False),
    sa.Column('changed_at', shared.db.UtcDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('period', 'unit_kind', name=op.f('pk_published_rankings'))
    )
    op.drop_table('ranking_periods')
    with op.batch_alter_table('discipline_facts', schema=None) as batch_op:
        batch_op.drop_index('ix_discipline_facts_unit_period')
    op.drop_table('discipline_facts')

    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sort_key', sa.Text(), nullable=True))
    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.create_index('ix_ratings_submitted_at', ['submitted_at', 'unit', 'overall', 'subject_type', 'subject'],
                                unique=False)
    with op.batch_alter_table('task_facts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('in_counters', sa.Boolean(), server_default=sa.true(), nullable=False))
        for name in _TASK_INDEXED:
            batch_op.create_index(f'ix_task_facts_{name}', [name], unique=False)
    op.create_table('task_months',
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('unit', sa.String(length=64), nullable=False),
    *(sa.Column(name, sa.Integer(), nullable=False) for name in _TASK_MONTH_COUNTERS),
    sa.PrimaryKeyConstraint('period', 'unit', name=op.f('pk_task_months'))
    )
    op.create_table('unit_tasks',
    sa.Column('unit', sa.String(length=64), nullable=False),
    *(sa.Column(name, sa.Integer(), nullable=False) for name in _UNIT_TASK_TOTALS),
    sa.PrimaryKeyConstraint('unit', name=op.f('pk_unit_tasks'))
    )
    op.create_table('figure_months',
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('unit', sa.String(length=64), nullable=False),
    *(sa.Column(name, sa.Integer(), nullable=False) for name in _FIGURE_COUNTERS),
    sa.PrimaryKeyConstraint('period', 'unit', name=op.f('pk_figure_months'))
    )


def downgrade() -> None:
    """Downgrade schema (the old tables come back empty: rebuild them from the archive)."""
    op.drop_table('figure_months')
    op.drop_table('unit_tasks')
    op.drop_table('task_months')
    with op.batch_alter_table('task_facts', schema=None) as batch_op:
        for name in _TASK_INDEXED:
            batch_op.drop_index(f'ix_task_facts_{name}')
        batch_op.drop_column('in_counters')
    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.drop_index('ix_ratings_submitted_at')
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_column('sort_key')
    op.create_table('discipline_facts',
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('unit', sa.String(length=64), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('occurred_at', shared.db.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('kind', 'code', name=op.f('pk_discipline_facts'))
    )
    with op.batch_alter_table('discipline_facts', schema=None) as batch_op:
        batch_op.create_index('ix_discipline_facts_unit_period', ['unit', 'period', 'kind'], unique=False)
    op.create_table('ranking_periods',
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('units_ranked', sa.Integer(), nullable=False),
    sa.Column('entries', sa.JSON(), nullable=False),
    sa.Column('changed_at', shared.db.UtcDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('period', name=op.f('pk_ranking_periods'))
    )
    op.drop_table('published_rankings')
    with op.batch_alter_table('occurrences', schema=None) as batch_op:
        batch_op.drop_index('ix_occurrences_at')
        batch_op.drop_index('ix_occurrences_related')
        batch_op.drop_index('ix_occurrences_unit_kind_at')
    op.drop_table('occurrences')
    with op.batch_alter_table('dossier_facts', schema=None) as batch_op:
        for name in (*_FACT_CODES, *_FACT_INSTANTS, *_FACT_SLOTS):
            batch_op.drop_column(name)
