"""dossier lifecycle: hand-overs, supplements, apology, ends, warnings, calendar overrides

Revision ID: d05a00000002
Revises: d05a00000001
Create Date: 2026-11-21

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

import shared.db

# revision identifiers, used by Alembic.
revision: str = 'd05a00000002'
down_revision: Union[str, Sequence[str], None] = 'd05a00000001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


WARNING_WATCH = "status = 'received' AND warn_at IS NOT NULL"
NEW_DOSSIER_COLUMNS = ("current_step", "current_official", "current_unit", "step_started_at", "supplements_allowed",
                       "supplements", "paused_since", "paused_seconds", "late_reason", "sent_back",
                       "returned_for_fault", "warn_at", "apology_due_at", "ended_at", "end_reason")


def _id_column():
    return sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False)


def upgrade() -> None:
    """Upgrade schema."""
    # Every new column is nullable or has a server default: rows already there (and bulk loaders such as
    # bench/overdue_sweep.py) need not know them.
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        # awaiting_supplement (19 characters) does not fit the first revision's 16.
        batch_op.alter_column('status', existing_type=sa.String(length=16), type_=sa.String(length=24),
                              existing_nullable=False)
        batch_op.add_column(sa.Column('current_step', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('current_official', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('current_unit', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('step_started_at', shared.db.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('supplements_allowed', sa.Boolean(), server_default=sa.text('true'),
                                      nullable=False))
        batch_op.add_column(sa.Column('supplements', sa.Integer(), server_default=sa.text('0'), nullable=False))
        batch_op.add_column(sa.Column('paused_since', shared.db.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('paused_seconds', sa.Integer(), server_default=sa.text('0'), nullable=False))
        batch_op.add_column(sa.Column('late_reason', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('sent_back', sa.Integer(), server_default=sa.text('0'), nullable=False))
        batch_op.add_column(sa.Column('returned_for_fault', sa.Integer(), server_default=sa.text('0'),
                                      nullable=False))
        batch_op.add_column(sa.Column('warn_at', shared.db.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('apology_due_at', shared.db.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('ended_at', shared.db.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('end_reason', sa.Text(), nullable=True))
        batch_op.create_index('ix_dossiers_warning_watch', ['warn_at'], unique=False,
                              postgresql_where=sa.text(WARNING_WATCH), sqlite_where=sa.text(WARNING_WATCH))
        batch_op.create_index('ix_dossiers_current_official', ['current_official'], unique=False)

    op.create_table('dossier_steps',
    sa.Column('dossier_code', sa.String(length=64), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('days', sa.Numeric(precision=10, scale=4), nullable=False),
    sa.Column('performer', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['dossier_code'], ['dossiers.code'], name=op.f('fk_dossier_steps_dossier_code_dossiers')),
    sa.PrimaryKeyConstraint('dossier_code', 'position', name=op.f('pk_dossier_steps'))
    )
    op.create_table('dossier_handovers',
    _id_column(),
    sa.Column('dossier_code', sa.String(length=64), nullable=False),
    sa.Column('at', shared.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('from_step', sa.String(length=64), nullable=True),
    sa.Column('to_step', sa.String(length=64), nullable=True),
    sa.Column('from_official', sa.String(length=64), nullable=True),
    sa.Column('to_official', sa.String(length=64), nullable=True),
    sa.Column('to_unit', sa.String(length=64), nullable=True),
    sa.Column('recorded_at', shared.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['dossier_code'], ['dossiers.code'],
                            name=op.f('fk_dossier_handovers_dossier_code_dossiers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dossier_handovers'))
    )
    with op.batch_alter_table('dossier_handovers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dossier_handovers_dossier_code'), ['dossier_code'], unique=False)

    op.create_table('dossier_pauses',
    sa.Column('dossier_code', sa.String(length=64), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('requested_at', shared.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('resumed_at', shared.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('official', sa.String(length=64), nullable=True),
    sa.Column('step', sa.String(length=64), nullable=True),
    sa.Column('paused_seconds', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['dossier_code'], ['dossiers.code'], name=op.f('fk_dossier_pauses_dossier_code_dossiers')),
    sa.PrimaryKeyConstraint('dossier_code', 'number', name=op.f('pk_dossier_pauses'))
    )
    op.create_table('dossier_send_backs',
    _id_column(),
    sa.Column('dossier_code', sa.String(length=64), nullable=False),
    sa.Column('at', shared.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('officials_fault', sa.Boolean(), nullable=False),
    sa.Column('official', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['dossier_code'], ['dossiers.code'],
                            name=op.f('fk_dossier_send_backs_dossier_code_dossiers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dossier_send_backs'))
    )
    with op.batch_alter_table('dossier_send_backs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dossier_send_backs_dossier_code'), ['dossier_code'], unique=False)

    op.create_table('dossier_apologies',
    sa.Column('dossier_code', sa.String(length=64), nullable=False),
    sa.Column('issued_at', shared.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('previous_due_at', shared.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('new_due_at', shared.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('official', sa.String(length=64), nullable=True),
    sa.Column('step', sa.String(length=64), nullable=True),
    sa.Column('signer_title', sa.Text(), nullable=True),
    sa.Column('signer_name', sa.Text(), nullable=True),
    sa.Column('place', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['dossier_code'], ['dossiers.code'],
                            name=op.f('fk_dossier_apologies_dossier_code_dossiers')),
    sa.PrimaryKeyConstraint('dossier_code', name=op.f('pk_dossier_apologies'))
    )
    op.create_table('calendar_overrides',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('label', sa.Text(), nullable=False),
    sa.Column('created_at', shared.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_calendar_overrides'))
    )
    op.create_table('calendar_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('applied_version', sa.String(length=200), nullable=False),
    sa.Column('updated_at', shared.db.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_state'))
    )
    op.create_table('units',
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('parent', sa.String(length=64), nullable=True),
    sa.Column('kind', sa.String(length=64), nullable=True),
    sa.Column('event_time', shared.db.UtcDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_units'))
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('units')
    op.drop_table('calendar_state')
    op.drop_table('calendar_overrides')
    op.drop_table('dossier_apologies')
    with op.batch_alter_table('dossier_send_backs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dossier_send_backs_dossier_code'))
    op.drop_table('dossier_send_backs')
    op.drop_table('dossier_pauses')
    with op.batch_alter_table('dossier_handovers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dossier_handovers_dossier_code'))
    op.drop_table('dossier_handovers')
    op.drop_table('dossier_steps')
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.drop_index('ix_dossiers_current_official')
        batch_op.drop_index('ix_dossiers_warning_watch', postgresql_where=sa.text(WARNING_WATCH),
                            sqlite_where=sa.text(WARNING_WATCH))
        for column in reversed(NEW_DOSSIER_COLUMNS):
            batch_op.drop_column(column)
        batch_op.alter_column('status', existing_type=sa.String(length=24), type_=sa.String(length=16),
                              existing_nullable=False)
