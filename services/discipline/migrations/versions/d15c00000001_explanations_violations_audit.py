"""explanations submitted and judged, violations, inspections, audit chain

Revision ID: d15c00000001
Revises: 2561b30b6548
Create Date: 2026-11-21

Written by hand; matches services/discipline/models.py
(explanation submissions, judgements and attachments, verification conclusions, inspections and their
findings, the audit chain with its head row).
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

import shared.db

# revision identifiers, used by Alembic.
revision: str = 'd15c00000001'
down_revision: Union[str, Sequence[str], None] = '2561b30b6548'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

GENESIS = "0" * 64


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('explanation_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('submitted_at', shared.db.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('submission', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('missed_at', shared.db.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('judged_at', shared.db.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('judged_by', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('judgement_reason', sa.Text(), nullable=True))
        batch_op.create_index('ix_explanation_requests_waiting_due', ['due_at'], unique=False,
                              postgresql_where=sa.text("status = 'requested'"),
                              sqlite_where=sa.text("status = 'requested'"))

    with op.batch_alter_table('verifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('concluded_at', shared.db.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('concluded_by', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('conclusion', sa.Text(), nullable=True))

    op.create_table('explanation_attachments',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('request', sa.String(length=32), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('stored_as', sa.String(length=255), nullable=False),
    sa.Column('uploaded_at', shared.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['request'], ['explanation_requests.code'],
                            name=op.f('fk_explanation_attachments_request_explanation_requests')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_explanation_attachments'))
    )
    with op.batch_alter_table('explanation_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_explanation_attachments_request'), ['request'], unique=False)

    op.create_table('inspections',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('unit', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('inspected_on', sa.Date(), nullable=False),
    sa.Column('team', sa.JSON(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('recorded_by', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', shared.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['unit'], ['units.code'], name=op.f('fk_inspections_unit_units')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_inspections'))
    )
    with op.batch_alter_table('inspections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspections_inspected_on'), ['inspected_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspections_unit'), ['unit'], unique=False)

    op.create_table('inspection_findings',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('inspection', sa.String(length=32), nullable=False),
    sa.Column('category', sa.String(length=16), nullable=False),
    sa.Column('official', sa.String(length=64), nullable=False),
    sa.Column('unit', sa.String(length=64), nullable=False),
    sa.Column('facts', sa.Text(), nullable=False),
    sa.Column('fact_date', sa.Date(), nullable=False),
    sa.Column('violation', sa.String(length=32), nullable=True),
    sa.Column('recorded_by', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', shared.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['inspection'], ['inspections.code'],
                            name=op.f('fk_inspection_findings_inspection_inspections')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection_findings'))
    )
    with op.batch_alter_table('inspection_findings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspection_findings_inspection'), ['inspection'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspection_findings_official'), ['official'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspection_findings_unit'), ['unit'], unique=False)

    audit_head = op.create_table('audit_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_head'))
    )
    # The one head row every append locks; it exists before the first append so there is always a row
    # to lock (two first appends cannot both create it).
    op.bulk_insert(audit_head, [{"id": 1, "seq": 0, "hash": GENESIS}])

    op.create_table('audit_entries',
    sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('at', shared.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('subject', sa.String(length=64), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=True),
    sa.Column('data', sa.Text(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_audit_entries')),
    sa.UniqueConstraint('hash', name=op.f('uq_audit_entries_hash'))
    )
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_entries_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entries_subject'), ['subject'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_entries_subject'))
        batch_op.drop_index(batch_op.f('ix_audit_entries_action'))
    op.drop_table('audit_entries')
    op.drop_table('audit_head')

    with op.batch_alter_table('inspection_findings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inspection_findings_unit'))
        batch_op.drop_index(batch_op.f('ix_inspection_findings_official'))
        batch_op.drop_index(batch_op.f('ix_inspection_findings_inspection'))
    op.drop_table('inspection_findings')

    with op.batch_alter_table('inspections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inspections_unit'))
        batch_op.drop_index(batch_op.f('ix_inspections_inspected_on'))
    op.drop_table('inspections')

    with op.batch_alter_table('explanation_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_explanation_attachments_request'))
    op.drop_table('explanation_attachments')

    with op.batch_alter_table('verifications', schema=None) as batch_op:
        batch_op.drop_column('conclusion')
        batch_op.drop_column('concluded_by')
        batch_op.drop_column('concluded_at')

    with op.batch_alter_table('explanation_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_explanation_requests_waiting_due',
                            postgresql_where=sa.text("status = 'requested'"),
                            sqlite_where=sa.text("status = 'requested'"))
        batch_op.drop_column('judgement_reason')
        batch_op.drop_column('judged_by')
        batch_op.drop_column('judged_at')
        batch_op.drop_column('missed_at')
        batch_op.drop_column('submission')
        batch_op.drop_column('submitted_at')
