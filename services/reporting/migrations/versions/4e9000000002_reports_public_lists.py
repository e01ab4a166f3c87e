"""issued periodic reports and public lists

Revision ID: 4e9000000002
Revises: 4e9000000001
Create Date: 2026-11-21

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

import shared.db

# revision identifiers, used by Alembic.
revision: str = '4e9000000002'
down_revision: Union[str, Sequence[str], None] = '4e9000000001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('issued_reports',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('period', sa.String(length=16), nullable=False),
    sa.Column('first_day', sa.Date(), nullable=False),
    sa.Column('last_day', sa.Date(), nullable=False),
    sa.Column('as_of', shared.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('issued_at', shared.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('issued_by', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.Column('xlsx', sa.LargeBinary(), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('code', 'version', name=op.f('pk_issued_reports'))
    )
    with op.batch_alter_table('issued_reports', schema=None) as batch_op:
        batch_op.create_index('ix_issued_reports_kind_period', ['kind', 'period'], unique=False)

    op.create_table('public_sanctions',
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('official', sa.String(length=64), nullable=False),
    sa.Column('official_name', sa.Text(), nullable=True),
    sa.Column('unit', sa.String(length=64), nullable=False),
    sa.Column('form', sa.String(length=64), nullable=False),
    sa.Column('decided_at', shared.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=False),
    sa.Column('in_force_until', sa.Date(), nullable=False),
    sa.Column('event_at', shared.db.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_public_sanctions'))
    )
    with op.batch_alter_table('public_sanctions', schema=None) as batch_op:
        batch_op.create_index('ix_public_sanctions_decided_on', ['decided_on'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('public_sanctions', schema=None) as batch_op:
        batch_op.drop_index('ix_public_sanctions_decided_on')
    op.drop_table('public_sanctions')
    with op.batch_alter_table('issued_reports', schema=None) as batch_op:
        batch_op.drop_index('ix_issued_reports_kind_period')
    op.drop_table('issued_reports')
