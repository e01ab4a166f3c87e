"""apology keeps the legal due date: promised_at, promise watch, signed_by; past apologies restored;
whether a procedure version's legal basis was verified

Revision ID: d05a00000004
Revises: d05a00000003
Create Date: 2026-12-02

An apology (Form 04 of Circular 01/2018/TT-VPCP) no longer moves a dossier's due date (Decree 61/2018/ND-CP
art. 19): the dossier is judged against its legal due date and the apology's new date is a second promise.
Apologies recorded before, including those the platform issued by itself (`automatic`), had moved `due_at`:
each dossier gets its legal due date back from the apology record (`previous_due_at`), its moved date becomes
`promised_at`, a finished one is judged again against the legal date, and an open one is watched again by the
overdue sweep (its markers keep anything already alerted from being alerted twice).
"""
from typing import Sequence, Union
from zoneinfo import ZoneInfo

from alembic import op
import sqlalchemy as sa

import shared.db

# revision identifiers, used by Alembic.
revision: str = 'd05a00000004'
down_revision: Union[str, Sequence[str], None] = 'd05a00000003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

PROMISE_WATCH = "status = 'received' AND promised_at IS NOT NULL AND promise_alerted_at IS NULL"
OPEN = ("received", "awaiting_supplement")
# The calendar's default zone: timeliness is judged by the local date (the ngày hẹn trả of the receipt).
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")

dossiers = sa.table(
    "dossiers", sa.column("code", sa.String), sa.column("status", sa.String),
    sa.column("due_at", shared.db.UtcDateTime(timezone=True)), sa.column("promised_at", shared.db.UtcDateTime(timezone=True)),
    sa.column("completed_at", shared.db.UtcDateTime(timezone=True)), sa.column("timeliness", sa.String),
    sa.column("late_reason", sa.String), sa.column("apology_due_at", shared.db.UtcDateTime(timezone=True)),
    sa.column("overdue_alerted_due_at", shared.db.UtcDateTime(timezone=True)))
apologies = sa.table(
    "dossier_apologies", sa.column("dossier_code", sa.String),
    sa.column("issued_at", shared.db.UtcDateTime(timezone=True)),
    sa.column("previous_due_at", shared.db.UtcDateTime(timezone=True)),
    sa.column("signer_name", sa.Text), sa.column("signer_title", sa.Text), sa.column("automatic", sa.Boolean))


def _timeliness(completed_at, due_at) -> str:
    finished_on, due_on = completed_at.astimezone(LOCAL).date(), due_at.astimezone(LOCAL).date()
    return "early" if finished_on < due_on else "on_time" if finished_on == due_on else "late"


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('promised_at', shared.db.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('promise_alerted_at', shared.db.UtcDateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_dossiers_promise_watch', ['promised_at'], unique=False,
                              postgresql_where=sa.text(PROMISE_WATCH), sqlite_where=sa.text(PROMISE_WATCH))
    with op.batch_alter_table('procedure_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('legal_basis_verified', sa.Boolean(), nullable=True))
    with op.batch_alter_table('dossier_apologies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('signed_by', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('automatic', sa.Boolean(), server_default=sa.text('false'), nullable=False))

    connection = op.get_bind()
    rows = connection.execute(
        sa.select(apologies.c.dossier_code, apologies.c.issued_at, apologies.c.previous_due_at,
                  apologies.c.signer_name, apologies.c.signer_title, dossiers.c.status, dossiers.c.due_at,
                  dossiers.c.completed_at, dossiers.c.late_reason, dossiers.c.apology_due_at)
        .join(dossiers, dossiers.c.code == apologies.c.dossier_code)).all()
    for row in rows:
        # The platform's own apology was written by the warnings sweep at the instant it marked the apology
        # due, with no signer.
        automatic = (row.apology_due_at is not None and row.issued_at == row.apology_due_at
                     and row.signer_name is None and row.signer_title is None)
        connection.execute(apologies.update().where(apologies.c.dossier_code == row.dossier_code)
                           .values(automatic=automatic))
        values = {"due_at": row.previous_due_at, "promised_at": row.due_at}
        if row.status in OPEN:
            values["overdue_alerted_due_at"] = None
        elif row.completed_at is not None:
            values["timeliness"] = ("late" if row.late_reason == "second_supplement"
                                    else _timeliness(row.completed_at, row.previous_due_at))
        connection.execute(dossiers.update().where(dossiers.c.code == row.dossier_code).values(**values))


def downgrade() -> None:
    """Downgrade schema (the restored legal due dates stay: they are the law's)."""
    with op.batch_alter_table('dossier_apologies', schema=None) as batch_op:
        batch_op.drop_column('automatic')
        batch_op.drop_column('signed_by')
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.drop_index('ix_dossiers_promise_watch', postgresql_where=sa.text(PROMISE_WATCH),
                            sqlite_where=sa.text(PROMISE_WATCH))
        batch_op.drop_column('promise_alerted_at')
        batch_op.drop_column('promised_at')
    with op.batch_alter_table('procedure_versions', schema=None) as batch_op:
        batch_op.drop_column('legal_basis_verified')
