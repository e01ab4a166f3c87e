"""Tables of the feedback service (its own database)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, and_
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import UtcDateTime, service_metadata


class Base(DeclarativeBase):
    metadata = service_metadata()


class Feedback(Base):
    __tablename__ = "feedback"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(32), index=True)
    misconduct_kind: Mapped[str | None] = mapped_column(String(32))
    content: Mapped[str] = mapped_column(Text)
    unit: Mapped[str | None] = mapped_column(String(64))  # the unit handling it now
    official: Mapped[str | None] = mapped_column(String(64), index=True)
    dossier_code: Mapped[str | None] = mapped_column(String(64), index=True)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Where the problem is (Open311 clients send it); a place, not the reporter's address.
    latitude: Mapped[float | None] = mapped_column()
    longitude: Mapped[float | None] = mapped_column()
    address_string: Mapped[str | None] = mapped_column(String(500))
    refusal_reason: Mapped[str | None] = mapped_column(Text)
    sent_back_reason: Mapped[str | None] = mapped_column(Text)  # public: the reporter reads it
    forward_note: Mapped[str | None] = mapped_column(Text)  # for the receiving unit, not public
    answer: Mapped[str | None] = mapped_column(Text)  # public only once published
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Digest of (normalised text, unit, sender): finds a resubmission without keeping who sent it.
    fingerprint: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        # A unit's queue, by status, oldest first: the list officers work from.
        Index("ix_feedback_unit_status_received_at", "unit", "status", "received_at"),
        Index("ix_feedback_received_at", "received_at"),
        Index("ix_feedback_fingerprint_received_at", "fingerprint", "received_at"),
    )


class FeedbackReporter(Base):
    """How to reach the reporter. Kept apart from the feedback so that nothing that reads feedback
    (lists, the public page, events) can serialise it by accident, and so it can be erased on its own.
    Never written for anonymous feedback."""

    __tablename__ = "feedback_reporters"

    feedback_code: Mapped[str] = mapped_column(ForeignKey("feedback.code"), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(254))
    address: Mapped[str | None] = mapped_column(String(500))
    # Open311 client identifiers: as private as the contact.
    device_id: Mapped[str | None] = mapped_column(String(200))
    account_id: Mapped[str | None] = mapped_column(String(200))


class FeedbackDeadline(Base):
    """The running deadline of one handling stage; met_at closes it. A forward restarts the stages
    at the new unit by moving due_at (and clearing the alert flags)."""

    __tablename__ = "feedback_deadlines"

    code: Mapped[str] = mapped_column(ForeignKey("feedback.code"), primary_key=True)
    stage: Mapped[str] = mapped_column(String(16), primary_key=True)
    unit: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    remind_at: Mapped[datetime] = mapped_column(UtcDateTime)
    met_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The answer's clock waits while the reporter is asked for more; not alerted meanwhile.
    paused_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # When the alert went out; NULL keeps the row in its sweep's partial index (portable, unlike a
    # boolean literal in an index predicate).
    soon_alerted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    overdue_alerted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


# What the sweeps scan: open stages not yet alerted. Partial indexes keep the scan proportional to the
# deadlines about to fire, not to every stage ever opened.
SOON_WATCH = and_(FeedbackDeadline.met_at.is_(None), FeedbackDeadline.soon_alerted_at.is_(None))
OVERDUE_WATCH = and_(FeedbackDeadline.met_at.is_(None), FeedbackDeadline.overdue_alerted_at.is_(None))
FeedbackDeadline.__table__.append_constraint(
    Index("ix_feedback_deadlines_soon_watch", "remind_at", postgresql_where=SOON_WATCH, sqlite_where=SOON_WATCH))
FeedbackDeadline.__table__.append_constraint(
    Index("ix_feedback_deadlines_overdue_watch", "due_at", postgresql_where=OVERDUE_WATCH,
          sqlite_where=OVERDUE_WATCH))


class FeedbackAlert(Base):
    """One row per alert fired: the unique key makes a second alert for the same stage and due date
    impossible, whichever replica tries."""

    __tablename__ = "feedback_alerts"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    stage: Mapped[str] = mapped_column(String(16), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)  # due_soon | overdue
    due_at: Mapped[datetime] = mapped_column(UtcDateTime, primary_key=True)
    alerted_at: Mapped[datetime] = mapped_column(UtcDateTime)


class FeedbackClarification(Base):
    """The unit asked the reporter for more information (the question is public: the reporter, maybe
    anonymous, reads it with the tracking code); the reply is read like the content."""

    __tablename__ = "feedback_clarifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    feedback_code: Mapped[str] = mapped_column(ForeignKey("feedback.code"), index=True)
    question: Mapped[str] = mapped_column(Text)
    asked_at: Mapped[datetime] = mapped_column(UtcDateTime)
    asked_by: Mapped[str | None] = mapped_column(String(64))
    on_time: Mapped[bool] = mapped_column(Boolean)
    reply: Mapped[str | None] = mapped_column(Text)
    replied_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class FeedbackAttachment(Base):
    __tablename__ = "feedback_attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    feedback_code: Mapped[str] = mapped_column(ForeignKey("feedback.code"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    stored_as: Mapped[str] = mapped_column(String(255))


class RatingToken(Base):
    """A one-time right to rate one dossier or feedback; only the digest of the token is kept."""

    __tablename__ = "rating_tokens"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    subject_type: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(64))
    unit: Mapped[str | None] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    survey_round: Mapped[str | None] = mapped_column(String(32), index=True)  # the round that invited it

    __table_args__ = (UniqueConstraint("subject_type", "subject", name="uq_rating_tokens_subject"),)


class Rating(Base):
    __tablename__ = "ratings"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    subject_type: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(64))
    unit: Mapped[str | None] = mapped_column(String(64), index=True)
    overall: Mapped[int] = mapped_column(Integer)
    factors: Mapped[dict] = mapped_column(JSON)
    comment: Mapped[str | None] = mapped_column(Text)  # stays here: free text may name people
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    survey_round: Mapped[str | None] = mapped_column(String(32), index=True)

    # One rating per dossier or feedback, even if a token were issued twice.
    __table_args__ = (UniqueConstraint("subject_type", "subject", name="uq_ratings_subject"),)


class UnitPublication(Base):
    """A dated version of what a unit publishes (service rules at its desk, its leaders' hotlines); the
    one in force on a day is the latest that took effect by then."""

    __tablename__ = "unit_publications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    unit: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))  # service_rules | hotlines
    effective_from: Mapped[date] = mapped_column(Date)
    content: Mapped[list] = mapped_column(JSON)
    source: Mapped[str | None] = mapped_column(Text)
    written_by: Mapped[str] = mapped_column(String(64))
    written_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (UniqueConstraint("unit", "kind", "effective_from", name="uq_unit_publications_version"),)


class ReturnedDossier(Base):
    """A dossier whose result was handed to the citizen (from `dossier.returned`): what a month's
    satisfaction survey samples. Codes only: the citizen's contact stays with the dossiers service."""

    __tablename__ = "returned_dossiers"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    unit: Mapped[str] = mapped_column(String(64))
    procedure_code: Mapped[str | None] = mapped_column(String(64))
    returned_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (Index("ix_returned_dossiers_unit_returned_at", "unit", "returned_at"),
                      Index("ix_returned_dossiers_returned_at", "returned_at"))


class ReturnedMonth(Base):
    """The months in which a unit returned dossiers: what the monthly sweep reads to find the rounds to
    open, a row per unit and month instead of a month's worth of dossiers at every pass."""

    __tablename__ = "returned_months"

    unit: Mapped[str] = mapped_column(String(64), primary_key=True)
    period: Mapped[str] = mapped_column(String(7), primary_key=True, index=True)


class SurveyRound(Base):
    """A unit's satisfaction survey of one month: once per unit and month."""

    __tablename__ = "survey_rounds"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    unit: Mapped[str] = mapped_column(String(64))
    period: Mapped[str] = mapped_column(String(7))  # 2026-11
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)
    opened_by: Mapped[str | None] = mapped_column(String(64))  # None: the monthly sweep
    returned: Mapped[int] = mapped_column(Integer)
    invited: Mapped[int] = mapped_column(Integer)
    sample_rule: Mapped[dict] = mapped_column(JSON)

    __table_args__ = (UniqueConstraint("unit", "period", name="uq_survey_rounds_unit_period"),)


# -- the directory's read copy (from discipline's `directory.*` events) ------------------------------

class DirectoryUnit(Base):
    """A unit of the directory (`directory.unit_upserted`): feedback may name only these (a feedback for
    an unknown unit would create a public scorecard for it)."""

    __tablename__ = "directory_units"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    event_time: Mapped[datetime] = mapped_column(UtcDateTime)


class DirectoryOfficial(Base):
    """An official of the directory (`directory.official_upserted`) and their unit (newest wins)."""

    __tablename__ = "directory_officials"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    unit: Mapped[str] = mapped_column(String(64))
    event_time: Mapped[datetime] = mapped_column(UtcDateTime)


# -- per-client allowance of the public endpoints ------------------------------------------------------

class ClientAllowance(Base):
    """One token bucket per client (an address, or a registered Open311 key's client name), shared by
    every replica on this database: one INSERT … ON CONFLICT DO UPDATE … RETURNING per admission
    (store.take_allowance). `updated` is the service clock in epoch seconds; a row whose bucket is full
    again is the same as no row, and the `client_allowance` sweep deletes it."""

    __tablename__ = "client_allowance"

    client: Mapped[str] = mapped_column(String(200), primary_key=True)
    tokens: Mapped[float] = mapped_column(Float)
    updated: Mapped[float] = mapped_column(Float, index=True)
    granted: Mapped[bool] = mapped_column(Boolean)
