"""sanction rule sets, decisions and their steps, eligibility

Revision ID: d15c00000002
Revises: d15c00000001
Create Date: 2026-11-21

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

import shared.db

# revision identifiers, used by Alembic.
revision: str = 'd15c00000002'
down_revision: Union[str, Sequence[str], None] = 'd15c00000001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('sanction_proposals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('violation', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('violation_kind', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('category', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('is_leader', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('rule_form', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('escalated_from', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('statement', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('next_step', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('next_due_at', shared.db.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('handling_until', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('extended', sa.Boolean(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('extension_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('limitation_until', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('dropped_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('closed_at', shared.db.UtcDateTime(timezone=True), nullable=True))

    op.create_table('violations',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('official', sa.String(length=64), nullable=False),
    sa.Column('unit', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('source_type', sa.String(length=16), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('fact_date', sa.Date(), nullable=False),
    sa.Column('facts', sa.Text(), nullable=False),
    sa.Column('responsibility', sa.String(length=8), nullable=False),
    sa.Column('joint_of', sa.String(length=32), nullable=True),
    sa.Column('rule_set', sa.String(length=64), nullable=True),
    sa.Column('actor', sa.String(length=64), nullable=True),
    sa.Column('recorded_at', shared.db.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_violations')),
    sa.UniqueConstraint('official', 'kind', 'source_type', 'source', 'responsibility',
                        name='uq_violations_official_kind_source')
    )
    with op.batch_alter_table('violations', schema=None) as batch_op:
        batch_op.create_index('ix_violations_official_kind_day', ['official', 'kind', 'fact_date'], unique=False)
        batch_op.create_index('ix_violations_unit_kind_day', ['unit', 'kind', 'fact_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_violations_recorded_at'), ['recorded_at'], unique=False)

    op.create_table('proposal_steps',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('proposal', sa.String(length=32), nullable=False),
    sa.Column('step', sa.String(length=16), nullable=False),
    sa.Column('at', shared.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('due_at', shared.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('on_time', sa.Boolean(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('members', sa.JSON(), nullable=True),
    sa.Column('form', sa.String(length=32), nullable=True),
    sa.Column('recorded_by', sa.String(length=64), nullable=True),
    sa.Column('recorded_at', shared.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['proposal'], ['sanction_proposals.code'],
                            name=op.f('fk_proposal_steps_proposal_sanction_proposals')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_steps')),
    sa.UniqueConstraint('proposal', 'step', name='uq_proposal_steps_proposal_step')
    )
    with op.batch_alter_table('proposal_steps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposal_steps_proposal'), ['proposal'], unique=False)

    op.create_table('decisions',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('proposal', sa.String(length=32), nullable=False),
    sa.Column('official', sa.String(length=64), nullable=False),
    sa.Column('unit', sa.String(length=64), nullable=False),
    sa.Column('form', sa.String(length=32), nullable=False),
    sa.Column('violation_kind', sa.String(length=32), nullable=True),
    sa.Column('rule_set', sa.String(length=64), nullable=False),
    sa.Column('decided_at', shared.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=False),
    sa.Column('in_force_until', sa.Date(), nullable=False),
    sa.Column('decided_by', sa.String(length=64), nullable=True),
    sa.Column('recorded_at', shared.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['proposal'], ['sanction_proposals.code'],
                            name=op.f('fk_decisions_proposal_sanction_proposals')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_decisions')),
    sa.UniqueConstraint('proposal', name=op.f('uq_decisions_proposal'))
    )
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decisions_official'), ['official'], unique=False)
        batch_op.create_index(batch_op.f('ix_decisions_unit'), ['unit'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('decisions')
    op.drop_table('proposal_steps')
    op.drop_table('violations')
    with op.batch_alter_table('sanction_proposals', schema=None) as batch_op:
        for column in ('closed_at', 'dropped_reason', 'limitation_until', 'extension_reason', 'extended',
                       'handling_until', 'next_due_at', 'next_step', 'statement', 'escalated_from', 'rule_form',
                       'is_leader', 'category', 'violation_kind', 'violation'):
            batch_op.drop_column(column)
