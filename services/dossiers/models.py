"""Tables of the dossiers service (its own database)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from services.dossiers.domain.dossier import AWAITING_SUPPLEMENT, RECEIVED
from shared.db import UtcDateTime, service_metadata

# Working-day budgets: up to 999999.9999 days, to a ten-thousandth of a day (under 3 seconds).
Days = Numeric(10, 4)

# Open dossiers whose current due date has not been alerted yet: the only rows the overdue sweep
# reads. The sweep filters with this very text so both PostgreSQL and SQLite match it to the index.
OVERDUE_WATCH = text(f"status = '{RECEIVED}' AND overdue_alerted_due_at IS NULL")
# Open dossiers with a warning point (due soon, apology due) still ahead of them: the warnings sweep reads
# only these. A dossier waiting for the citizen's supplement has status awaiting_supplement, so neither
# sweep sees it while its clock stands still.
WARNING_WATCH = text(f"status = '{RECEIVED}' AND warn_at IS NOT NULL")
# Open apologised dossiers whose promised date has not been judged yet: the only rows the promise sweep reads.
PROMISE_WATCH = text(f"status = '{RECEIVED}' AND promised_at IS NOT NULL AND promise_alerted_at IS NULL")
# Open dossiers (the clock running or standing still for the citizen): the officers' and heads' pages read only
# these, by unit or by official, in this very text so the partial indexes below match.
OPEN_WATCH = text(f"status IN ('{RECEIVED}', '{AWAITING_SUPPLEMENT}')")


class Base(DeclarativeBase):
    metadata = service_metadata()


class Procedure(Base):
    """An administrative procedure (thủ tục hành chính) of the procedure list: what it is. Its legal terms (time,
    step plan, whether supplements and extensions are allowed) live in versions by effective date."""

    __tablename__ = "procedures"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    # central / province / district / commune (cấp trung ương, tỉnh, huyện, xã); None when not stated.
    level: Mapped[str | None] = mapped_column(String(16))
    # Lĩnh vực as the national portal groups procedures, e.g. "Hộ tịch".
    field: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    versions: Mapped[list[ProcedureVersion]] = relationship(
        order_by="ProcedureVersion.version", cascade="all, delete-orphan", lazy="selectin")


class ProcedureVersion(Base):
    """The legal terms of a procedure from one date on. Versions are never changed once written: a dossier
    keeps the version in force on the day it was received, so the past never moves."""

    __tablename__ = "procedure_versions"
    __table_args__ = (
        UniqueConstraint("procedure_code", "effective_from", name="uq_procedure_versions_effective_from"),
    )

    procedure_code: Mapped[str] = mapped_column(ForeignKey("procedures.code"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    effective_from: Mapped[date] = mapped_column(Date)
    processing_days: Mapped[Decimal] = mapped_column(Days)
    supplements_allowed: Mapped[bool] = mapped_column(Boolean)
    extensions_allowed: Mapped[bool] = mapped_column(Boolean)
    # The legal document that sets these terms (e.g. "Luật Hộ tịch 2014; Nghị định 123/2015/NĐ-CP").
    legal_basis: Mapped[str | None] = mapped_column(Text)
    # Checked against the current text of the law (False: to check before relying on it; None: not stated).
    legal_basis_verified: Mapped[bool | None] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    steps: Mapped[list[ProcedureStep]] = relationship(
        order_by="ProcedureStep.position", cascade="all, delete-orphan", lazy="selectin")


class ProcedureStep(Base):
    """One step of a version's plan with its own budget: the step that overruns answers for it."""

    __tablename__ = "procedure_version_steps"
    __table_args__ = (
        ForeignKeyConstraint(["procedure_code", "version"],
                             ["procedure_versions.procedure_code", "procedure_versions.version"],
                             name="fk_procedure_version_steps_version"),
        UniqueConstraint("procedure_code", "version", "key", name="uq_procedure_version_steps_key"),
    )

    procedure_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(Text)
    days: Mapped[Decimal] = mapped_column(Days)
    # The unit or role that does the step (e.g. "Bộ phận một cửa", "Chủ tịch UBND xã"); None when not stated.
    performer: Mapped[str | None] = mapped_column(Text)


class Dossier(Base):
    """A citizen's dossier against its legal deadline. The applicant's personal data lives apart, in
    `dossier_applicants`, so nothing that reads dossiers for deadlines ever touches it."""

    __tablename__ = "dossiers"
    __table_args__ = (
        Index("ix_dossiers_overdue_watch", "due_at", postgresql_where=OVERDUE_WATCH, sqlite_where=OVERDUE_WATCH),
        Index("ix_dossiers_unit_due_at", "unit", "due_at"),
        Index("ix_dossiers_warning_watch", "warn_at", postgresql_where=WARNING_WATCH, sqlite_where=WARNING_WATCH),
        Index("ix_dossiers_current_official", "current_official"),
        Index("ix_dossiers_promise_watch", "promised_at", postgresql_where=PROMISE_WATCH, sqlite_where=PROMISE_WATCH),
        # The head's view (counted and listed by due date without reading the unit's finished dossiers) and
        # the officer's workbench.
        Index("ix_dossiers_unit_open", "unit", "due_at", "code", postgresql_where=OPEN_WATCH, sqlite_where=OPEN_WATCH,
              postgresql_include=["current_step", "current_official", "status"]),
        Index("ix_dossiers_official_open", "current_official", "due_at", postgresql_where=OPEN_WATCH,
              sqlite_where=OPEN_WATCH, postgresql_include=["current_step", "procedure_code", "status"]),
    )

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    procedure_code: Mapped[str] = mapped_column(ForeignKey("procedures.code"), index=True)
    unit: Mapped[str] = mapped_column(String(64))
    # The receiving official, who holds the dossier first (the column and the contracts call it `handler`).
    assignee: Mapped[str | None] = mapped_column("handler", String(64))
    channel: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(24))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    counting_starts_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # The procedure's budget when the dossier arrived: a later change of the procedure does not
    # move deadlines already promised to citizens.
    processing_days: Mapped[Decimal] = mapped_column(Days)
    # The procedure version in force on the day of receipt (dossiers from before versions existed: 1).
    procedure_version: Mapped[int] = mapped_column(Integer, server_default=text("1"), default=1)
    # The legal due instant (ngày hẹn trả of the receipt): the measure of timeliness. An apology never moves
    # it (Decree 61/2018/ND-CP art. 19): only the citizen's supplement and the calendar do.
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # The new return date the unit's apology promised (Form 04 of Circular 01/2018/TT-VPCP): a second
    # promise, judged on its own; NULL without an apology.
    promised_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Printed on the citizen's receipt beside the code: looking a dossier up needs both (use_cases.receipts).
    receipt_secret: Mapped[str | None] = mapped_column(String(16))
    rules_version: Mapped[str] = mapped_column(String(64))
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    timeliness: Mapped[str | None] = mapped_column(String(16))
    # The due date last alerted as overdue; when the due date moves (a supplement, a calendar change) it
    # goes back to NULL so the new date is watched, and `dossier_alerts` keeps each due date alerted at
    # most once.
    overdue_alerted_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # When the promised date was judged passed (`dossier.promise_broken`, once per dossier).
    promise_alerted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    # -- the lifecycle (every column nullable or defaulted: bulk loaders need not know them) --
    # Where the dossier is on its control sheet: the step in progress, who holds it, since when.
    current_step: Mapped[str | None] = mapped_column(String(64))
    current_official: Mapped[str | None] = mapped_column(String(64))
    current_unit: Mapped[str | None] = mapped_column(String(64))
    step_started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Frozen at receipt from the procedure version in force, like the budgets.
    supplements_allowed: Mapped[bool] = mapped_column(Boolean, server_default=text("true"), default=True)
    # Supplement requests made; while one is pending the status is awaiting_supplement from paused_since.
    supplements: Mapped[int] = mapped_column(Integer, server_default=text("0"), default=0)
    paused_since: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Working seconds the clock stood still for the citizen (finished pauses).
    paused_seconds: Mapped[int] = mapped_column(Integer, server_default=text("0"), default=0)
    # Set when the dossier counts as late whatever its dates (a second supplement request).
    late_reason: Mapped[str | None] = mapped_column(String(32))
    sent_back: Mapped[int] = mapped_column(Integer, server_default=text("0"), default=0)
    returned_for_fault: Mapped[int] = mapped_column(Integer, server_default=text("0"), default=0)
    # The next warning point (due soon, apology due) of the current due date; NULL when none is left.
    warn_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # When the apology became due (one working day before the legal deadline, the unit chased); NULL otherwise.
    apology_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # returned, refused, withdrawn, stopped: when and why.
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    end_reason: Mapped[str | None] = mapped_column(Text)

    applicant: Mapped[Applicant | None] = relationship(uselist=False, cascade="all, delete-orphan",
                                                       lazy="raise")


class Applicant(Base):
    """Personal data of the citizen or business behind a dossier: stays in this database, never in an
    event or a log."""

    __tablename__ = "dossier_applicants"

    dossier_code: Mapped[str] = mapped_column(ForeignKey("dossiers.code"), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(254))
    address: Mapped[str | None] = mapped_column(Text)


class DossierAlert(Base):
    """One row per alert fired: the unique key makes a second alert for the same dossier and due date
    impossible, whichever worker replica tries."""

    __tablename__ = "dossier_alerts"

    dossier_code: Mapped[str] = mapped_column(ForeignKey("dossiers.code"), primary_key=True)
    # overdue, due_soon:<point>, apology_due (per due date); apology_missed, promise_broken (once per dossier:
    # keyed by the receipt instant, which never moves).
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime, primary_key=True)
    alerted_at: Mapped[datetime] = mapped_column(UtcDateTime)


# -- the lifecycle ----------------------------------------------------------------------------------

class DossierStep(Base):
    """The procedure's step plan frozen into the dossier at receipt: each step's budget is what the
    official was promised, whatever the procedure says later."""

    __tablename__ = "dossier_steps"

    dossier_code: Mapped[str] = mapped_column(ForeignKey("dossiers.code"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(Text)
    days: Mapped[Decimal] = mapped_column(Days)
    performer: Mapped[str | None] = mapped_column(String(200))


class Handover(Base):
    """One line of the process control sheet (phiếu kiểm soát quá trình giải quyết hồ sơ)."""

    __tablename__ = "dossier_handovers"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=True)
    dossier_code: Mapped[str] = mapped_column(ForeignKey("dossiers.code"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    from_step: Mapped[str | None] = mapped_column(String(64))
    to_step: Mapped[str | None] = mapped_column(String(64))  # NULL: the result is ready
    from_official: Mapped[str | None] = mapped_column(String(64))
    to_official: Mapped[str | None] = mapped_column(String(64))
    to_unit: Mapped[str | None] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Pause(Base):
    """A supplement request: the clock stands still from `requested_at` until `resumed_at`."""

    __tablename__ = "dossier_pauses"

    dossier_code: Mapped[str] = mapped_column(ForeignKey("dossiers.code"), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime)
    resumed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reasons: Mapped[list] = mapped_column(JSON)
    official: Mapped[str | None] = mapped_column(String(64))
    step: Mapped[str | None] = mapped_column(String(64))
    paused_seconds: Mapped[int | None] = mapped_column(Integer)


class SendBack(Base):
    """The dossier was sent back to the citizen (trả lại hồ sơ); officials' own faults are counted."""

    __tablename__ = "dossier_send_backs"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=True)
    dossier_code: Mapped[str] = mapped_column(ForeignKey("dossiers.code"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    reason: Mapped[str] = mapped_column(Text)
    officials_fault: Mapped[bool] = mapped_column(Boolean)
    official: Mapped[str | None] = mapped_column(String(64))


class Apology(Base):
    """The apology with a new return date (phiếu xin lỗi và hẹn lại ngày trả kết quả, Form 04 of Circular
    01/2018/TT-VPCP), issued by the unit and signed by its head: at most one per dossier, so the primary key
    itself refuses a second new date. It does not move the legal due date."""

    __tablename__ = "dossier_apologies"

    dossier_code: Mapped[str] = mapped_column(ForeignKey("dossiers.code"), primary_key=True)
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # The legal due instant when the apology was issued.
    previous_due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # The new return date promised, as issued (the dossier's promised_at, before any later supplement).
    new_due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Official code of the head who signed the letter.
    signed_by: Mapped[str | None] = mapped_column(String(64))
    # Written by the platform itself before the rule was corrected (archived data only; never now).
    automatic: Mapped[bool] = mapped_column(Boolean, server_default=text("false"), default=False)
    reason: Mapped[str] = mapped_column(Text)
    official: Mapped[str | None] = mapped_column(String(64))
    step: Mapped[str | None] = mapped_column(String(64))
    signer_title: Mapped[str | None] = mapped_column(Text)
    signer_name: Mapped[str | None] = mapped_column(Text)
    place: Mapped[str | None] = mapped_column(Text)


class CalendarOverride(Base):
    """An operator's announcement for a year: a day made off, or a day made working, with its label."""

    __tablename__ = "calendar_overrides"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # day_off | working_day
    label: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str | None] = mapped_column(String(64))


class CalendarState(Base):
    """One row: the calendar version the open dossiers' deadlines were last brought up to, so the
    deadlines sweep knows (with one read) whether a calendar change still has dossiers to move."""

    __tablename__ = "calendar_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    applied_version: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Unit(Base):
    """Read copy of the directory's units (from `directory.unit_upserted`): the apology letter's header
    names the agency and its parent."""

    __tablename__ = "units"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    parent: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str | None] = mapped_column(String(64))
    event_time: Mapped[datetime | None] = mapped_column(UtcDateTime)


# -- external ingest --------------------------------------------------------------------------------

class IngestWaiting(Base):
    """An external event that arrived before the one it depends on (its dossier's `received`, the
    supplement request before the supplement, the result before its return). It waits here, in the
    database so a restart loses nothing, and is applied as soon as its prerequisite is, in the order the
    events happened. Its inbox row was written when it was parked: a copy of it is a duplicate."""

    __tablename__ = "ingest_waiting"
    __table_args__ = (Index("ix_ingest_waiting_dossier_code", "dossier_code", "occurred_at"),)

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    dossier_code: Mapped[str] = mapped_column(String(64))
    event_type: Mapped[str] = mapped_column(String(64))
    unit: Mapped[str] = mapped_column(String(64))
    publisher: Mapped[str | None] = mapped_column(String(128))
    # When it happened (the data's `at`, `completed_at` …): waiting events are applied in this order.
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    waiting_for: Mapped[str] = mapped_column(String(64))
    # The CloudEvent, structured JSON, its data as read at arrival (`domain.ingest.step_data`).
    event: Mapped[str] = mapped_column(Text)
    parked_at: Mapped[datetime] = mapped_column(UtcDateTime)


class IngestRejection(Base):
    """An external event refused: no or unknown publisher, a unit the publisher may not publish for,
    invalid data, or a step the dossier's state does not allow. One row per event id, however often
    the event is sent again, so the counts are of events, not of deliveries."""

    __tablename__ = "ingest_rejections"
    __table_args__ = (
        UniqueConstraint("event_id", name="uq_ingest_rejections_event_id"),
        Index("ix_ingest_rejections_rejected_at", "rejected_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str | None] = mapped_column(String(255))  # None: the message was not a CloudEvent
    publisher: Mapped[str | None] = mapped_column(String(128))
    reason: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(8))  # amqp | http
    event_type: Mapped[str | None] = mapped_column(String(128))
    unit: Mapped[str | None] = mapped_column(String(64))
    dossier_code: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text)
    rejected_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ApologyDraft(Base):
    """An apology an officer has drafted for a late dossier, waiting for the head of the unit to sign it
    (Form 04 of Circular 01/2018/TT-VPCP is signed by the head): the reason and the new return date proposed.
    Signing issues the apology (`dossier_apologies`) and removes the draft; the legal due date never moves."""

    __tablename__ = "dossier_apology_drafts"
    __table_args__ = (Index("ix_dossier_apology_drafts_unit", "unit", "drafted_at"),)

    dossier_code: Mapped[str] = mapped_column(ForeignKey("dossiers.code"), primary_key=True)
    unit: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    new_due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    drafted_by: Mapped[str] = mapped_column(String(64))
    drafted_at: Mapped[datetime] = mapped_column(UtcDateTime)
