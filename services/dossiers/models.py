"""Tables of the dossiers service (its own database)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from services.dossiers.domain import RECEIVED
from shared.db import UtcDateTime, service_metadata

# Working-day budgets: up to 999999.9999 days, to a ten-thousandth of a day (under 3 seconds).
Days = Numeric(10, 4)

# Open dossiers whose current due date has not been alerted yet: the only rows the overdue sweep
# reads. The sweep filters with this very text so both PostgreSQL and SQLite match it to the index.
OVERDUE_WATCH = text(f"status = '{RECEIVED}' AND overdue_alerted_due_at IS NULL")


class Base(DeclarativeBase):
    metadata = service_metadata()


class Procedure(Base):
    """An administrative procedure (thủ tục hành chính) with its legal processing time."""

    __tablename__ = "procedures"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    processing_days: Mapped[Decimal] = mapped_column(Days)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    steps: Mapped[list[ProcedureStep]] = relationship(
        order_by="ProcedureStep.position", cascade="all, delete-orphan", lazy="selectin")


class ProcedureStep(Base):
    """One step of a procedure's plan with its own budget: the step that overruns answers for it."""

    __tablename__ = "procedure_steps"
    __table_args__ = (UniqueConstraint("procedure_code", "key", name="uq_procedure_steps_procedure_key"),)

    procedure_code: Mapped[str] = mapped_column(ForeignKey("procedures.code"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(Text)
    days: Mapped[Decimal] = mapped_column(Days)


class Dossier(Base):
    """A citizen's dossier against its legal deadline. The applicant's personal data lives apart, in
    `dossier_applicants`, so nothing that reads dossiers for deadlines ever touches it."""

    __tablename__ = "dossiers"
    __table_args__ = (
        Index("ix_dossiers_overdue_watch", "due_at", postgresql_where=OVERDUE_WATCH, sqlite_where=OVERDUE_WATCH),
        Index("ix_dossiers_unit_due_at", "unit", "due_at"),
    )

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    procedure_code: Mapped[str] = mapped_column(ForeignKey("procedures.code"), index=True)
    unit: Mapped[str] = mapped_column(String(64))
    handler: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    counting_starts_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # The procedure's budget when the dossier arrived: a later change of the procedure does not
    # move deadlines already promised to citizens.
    processing_days: Mapped[Decimal] = mapped_column(Days)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    rules_version: Mapped[str] = mapped_column(String(64))
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    timeliness: Mapped[str | None] = mapped_column(String(16))
    # The due date last alerted as overdue; when the due date moves (an apology with a new return
    # date) it goes back to NULL so the new date is watched, and `dossier_alerts` keeps each due date
    # alerted at most once.
    overdue_alerted_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

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
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)  # overdue (apology reminders later)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime, primary_key=True)
    alerted_at: Mapped[datetime] = mapped_column(UtcDateTime)
