"""rule sets' sources and verification (confirmations), decisions' effective date, violations' discovery

Revision ID: d15c00000003
Revises: d15c00000002
Create Date: 2026-12-02

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

import shared.db

# revision identifiers, used by Alembic.
revision: str = 'd15c00000003'
down_revision: Union[str, Sequence[str], None] = 'd15c00000002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('rule_set_confirmations',
    sa.Column('version', sa.String(length=64), nullable=False),
    sa.Column('confirmed_by', sa.String(length=64), nullable=False),
    sa.Column('confirmed_at', shared.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('version')
    )
    with op.batch_alter_table('sanction_proposals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rule_source', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('rule_set_source', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('rule_set_verified', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('discovered_at', shared.db.UtcDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('violations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('discovered_at', shared.db.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('rule_set_source', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('rule_set_verified', sa.Boolean(), nullable=True))
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('effective_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('rule_source', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('rule_set_verified', sa.Boolean(), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_column('rule_set_verified')
        batch_op.drop_column('rule_source')
        batch_op.drop_column('effective_on')
    with op.batch_alter_table('violations', schema=None) as batch_op:
        batch_op.drop_column('rule_set_verified')
        batch_op.drop_column('rule_set_source')
        batch_op.drop_column('discovered_at')
    with op.batch_alter_table('sanction_proposals', schema=None) as batch_op:
        batch_op.drop_column('discovered_at')
        batch_op.drop_column('rule_set_verified')
        batch_op.drop_column('rule_set_source')
        batch_op.drop_column('rule_source')
    op.drop_table('rule_set_confirmations')
