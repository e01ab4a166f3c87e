"""procedure catalog with versions by effective date

Revision ID: d05a00000001
Revises: b3690f3a1d56
Create Date: 2026-11-21

"""
from datetime import date
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

import shared.db

# revision identifiers, used by Alembic.
revision: str = 'd05a00000001'
down_revision: Union[str, Sequence[str], None] = 'b3690f3a1d56'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


# Procedures registered before versions existed become version 1, in force since this date: every dossier
# already received under them was received under that version.
SINCE_ALWAYS = date(1900, 1, 1)


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('procedure_versions',
    sa.Column('procedure_code', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('processing_days', sa.Numeric(precision=10, scale=4), nullable=False),
    sa.Column('supplements_allowed', sa.Boolean(), nullable=False),
    sa.Column('extensions_allowed', sa.Boolean(), nullable=False),
    sa.Column('legal_basis', sa.Text(), nullable=True),
    sa.Column('created_at', shared.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['procedure_code'], ['procedures.code'], name=op.f('fk_procedure_versions_procedure_code_procedures')),
    sa.PrimaryKeyConstraint('procedure_code', 'version', name=op.f('pk_procedure_versions')),
    sa.UniqueConstraint('procedure_code', 'effective_from', name='uq_procedure_versions_effective_from')
    )
    op.create_table('procedure_version_steps',
    sa.Column('procedure_code', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('days', sa.Numeric(precision=10, scale=4), nullable=False),
    sa.Column('performer', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['procedure_code', 'version'], ['procedure_versions.procedure_code', 'procedure_versions.version'], name='fk_procedure_version_steps_version'),
    sa.PrimaryKeyConstraint('procedure_code', 'version', 'position', name=op.f('pk_procedure_version_steps')),
    sa.UniqueConstraint('procedure_code', 'version', 'key', name='uq_procedure_version_steps_key')
    )
    # Existing procedures and their plans become version 1 (supplements and extensions allowed, as before).
    op.execute(sa.text(
        "INSERT INTO procedure_versions (procedure_code, version, effective_from, processing_days, "
        "supplements_allowed, extensions_allowed, legal_basis, created_at) "
        "SELECT code, 1, :since, processing_days, :yes, :yes, NULL, created_at FROM procedures"
    ).bindparams(sa.bindparam("since", SINCE_ALWAYS, type_=sa.Date()), sa.bindparam("yes", True, type_=sa.Boolean())))
    op.execute("INSERT INTO procedure_version_steps (procedure_code, version, position, key, name, days, performer) "
               "SELECT procedure_code, 1, position, key, name, days, NULL FROM procedure_steps")
    op.drop_table('procedure_steps')
    with op.batch_alter_table('procedures', schema=None) as batch_op:
        batch_op.add_column(sa.Column('level', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('field', sa.Text(), nullable=True))
        batch_op.drop_column('processing_days')
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('procedure_version', sa.Integer(), server_default=sa.text('1'), nullable=False))


def downgrade() -> None:
    """Downgrade schema: each procedure keeps the terms of its latest version."""
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.drop_column('procedure_version')
    with op.batch_alter_table('procedures', schema=None) as batch_op:
        batch_op.add_column(sa.Column('processing_days', sa.Numeric(precision=10, scale=4), nullable=True))
    op.execute("UPDATE procedures SET processing_days = (SELECT v.processing_days FROM procedure_versions v "
               "WHERE v.procedure_code = procedures.code ORDER BY v.version DESC LIMIT 1)")
    with op.batch_alter_table('procedures', schema=None) as batch_op:
        batch_op.alter_column('processing_days', existing_type=sa.Numeric(precision=10, scale=4), nullable=False)
        batch_op.drop_column('field')
        batch_op.drop_column('level')
    op.create_table('procedure_steps',
    sa.Column('procedure_code', sa.String(length=64), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('days', sa.Numeric(precision=10, scale=4), nullable=False),
    sa.ForeignKeyConstraint(['procedure_code'], ['procedures.code'], name=op.f('fk_procedure_steps_procedure_code_procedures')),
    sa.PrimaryKeyConstraint('procedure_code', 'position', name=op.f('pk_procedure_steps')),
    sa.UniqueConstraint('procedure_code', 'key', name='uq_procedure_steps_procedure_key')
    )
    op.execute("INSERT INTO procedure_steps (procedure_code, position, key, name, days) "
               "SELECT s.procedure_code, s.position, s.key, s.name, s.days FROM procedure_version_steps s "
               "WHERE s.version = (SELECT MAX(v.version) FROM procedure_versions v "
               "WHERE v.procedure_code = s.procedure_code)")
    op.drop_table('procedure_version_steps')
    op.drop_table('procedure_versions')
