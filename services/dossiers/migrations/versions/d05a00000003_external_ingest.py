"""external ingest: publishers, waiting events, rejections

Revision ID: d05a00000003
Revises: d05a00000002
Create Date: 2026-11-21

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

import shared.db

# revision identifiers, used by Alembic.
revision: str = 'd05a00000003'
down_revision: Union[str, Sequence[str], None] = 'd05a00000002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('ingest_waiting',
    sa.Column('event_id', sa.String(length=64), nullable=False),
    sa.Column('dossier_code', sa.String(length=64), nullable=False),
    sa.Column('event_type', sa.String(length=64), nullable=False),
    sa.Column('unit', sa.String(length=64), nullable=False),
    sa.Column('publisher', sa.String(length=128), nullable=True),
    sa.Column('occurred_at', shared.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('waiting_for', sa.String(length=64), nullable=False),
    sa.Column('event', sa.Text(), nullable=False),
    sa.Column('parked_at', shared.db.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('event_id', name=op.f('pk_ingest_waiting'))
    )
    with op.batch_alter_table('ingest_waiting', schema=None) as batch_op:
        batch_op.create_index('ix_ingest_waiting_dossier_code', ['dossier_code', 'occurred_at'], unique=False)

    op.create_table('ingest_rejections',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('event_id', sa.String(length=255), nullable=True),
    sa.Column('publisher', sa.String(length=128), nullable=True),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('event_type', sa.String(length=128), nullable=True),
    sa.Column('unit', sa.String(length=64), nullable=True),
    sa.Column('dossier_code', sa.String(length=64), nullable=True),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('rejected_at', shared.db.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ingest_rejections')),
    sa.UniqueConstraint('event_id', name='uq_ingest_rejections_event_id')
    )
    with op.batch_alter_table('ingest_rejections', schema=None) as batch_op:
        batch_op.create_index('ix_ingest_rejections_rejected_at', ['rejected_at'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('ingest_rejections')
    op.drop_table('ingest_waiting')
