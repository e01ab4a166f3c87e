"""Tables of the discipline service (its own database).

The directory (units, officials, headship terms) is the platform's reference data; the rest turns late
facts into accountability: explanation requests now, sanction proposals when rules are met.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import UtcDateTime, service_metadata

# Sort keys are ASCII built to sort byte by byte; a locale collation on PostgreSQL would reorder them.
SortKey = String(600).with_variant(String(600, collation="C"), "postgresql")


class Base(DeclarativeBase):
    metadata = service_metadata()


class Unit(Base):
    """A unit of any level; the tree is given by `parent` alone, never by fixed levels."""

    __tablename__ = "units"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    parent: Mapped[str | None] = mapped_column(ForeignKey("units.code"), index=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    sort_key: Mapped[str] = mapped_column(SortKey, index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Official(Base):
    __tablename__ = "officials"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    unit: Mapped[str] = mapped_column(ForeignKey("units.code"), index=True)
    position: Mapped[str | None] = mapped_column(String(255))
    category: Mapped[str] = mapped_column(String(16))  # can_bo | cong_chuc | vien_chuc
    is_leader: Mapped[bool] = mapped_column(Boolean, default=False)
    sort_key: Mapped[str] = mapped_column(SortKey, index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Headship(Base):
    """A term as head or deputy of a unit, both days included; `until` is null while it lasts."""

    __tablename__ = "headships"
    __table_args__ = (Index("ix_headships_unit_role_since", "unit", "role", "since"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    unit: Mapped[str] = mapped_column(ForeignKey("units.code"))
    official: Mapped[str] = mapped_column(ForeignKey("officials.code"), index=True)
    role: Mapped[str] = mapped_column(String(8))  # head | deputy
    since: Mapped[date] = mapped_column(Date)
    until: Mapped[date | None] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class LateFact(Base):
    """One subject (a dossier today) found late, once per subject and due time: what sanction rules count.

    Units and officials are kept as the event named them, without foreign keys: a fact about a unit
    the directory does not know yet is still a fact.
    """

    __tablename__ = "late_facts"
    __table_args__ = (UniqueConstraint("subject_type", "subject", "subject_due_at",
                                       name="uq_late_facts_subject_due"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subject_type: Mapped[str] = mapped_column(String(16))  # dossier | task | feedback
    subject: Mapped[str] = mapped_column(String(64))
    subject_due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    fact_day: Mapped[date] = mapped_column(Date, index=True)  # local day of subject_due_at
    unit: Mapped[str] = mapped_column(String(64), index=True)
    official: Mapped[str | None] = mapped_column(String(64), index=True)
    step: Mapped[str | None] = mapped_column(String(64))
    detected_at: Mapped[datetime] = mapped_column(UtcDateTime)
    event_id: Mapped[str] = mapped_column(String(64))


class ExplanationRequest(Base):
    """A request to explain a late subject (giải trình), to the official at fault or to the unit's head.

    Status: requested, or unassigned while nobody can be named (no official in the event, no head known
    for the date). Later: submitted, accepted, rejected, missed.
    """

    __tablename__ = "explanation_requests"
    __table_args__ = (
        UniqueConstraint("subject_type", "subject", "subject_due_at", "role", "official",
                         name="uq_explanation_requests_fact_role_official"),
        Index("ix_explanation_requests_subject", "subject_type", "subject", "subject_due_at"),
    )

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    subject_type: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(64))
    subject_due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    official: Mapped[str | None] = mapped_column(String(64), index=True)
    unit: Mapped[str] = mapped_column(String(64), index=True)
    role: Mapped[str] = mapped_column(String(8))  # official | head
    status: Mapped[str] = mapped_column(String(16), index=True)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    reason: Mapped[str] = mapped_column(Text)
    rule_set: Mapped[str | None] = mapped_column(String(64))  # the rule set that set the explanation time
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class SanctionProposal(Base):
    """A disciplinary form proposed because a rule's threshold was met; people decide on it.

    The rule is copied as it was applied, so the proposal still says why after the rules file changes.
    """

    __tablename__ = "sanction_proposals"
    __table_args__ = (Index("ix_sanction_proposals_rule_official", "rule", "official"),)

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    official: Mapped[str] = mapped_column(String(64), index=True)
    unit: Mapped[str] = mapped_column(String(64), index=True)
    rule: Mapped[str] = mapped_column(String(64))
    rule_description: Mapped[str] = mapped_column(Text, default="")
    rule_set: Mapped[str] = mapped_column(String(64))
    legal_basis: Mapped[str] = mapped_column(Text)
    threshold: Mapped[int] = mapped_column(Integer)
    window_days: Mapped[int] = mapped_column(Integer)
    form: Mapped[str] = mapped_column(String(32))
    facts: Mapped[list[str]] = mapped_column(JSON)
    joint_liability: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16))  # proposed; later reviewed, decided, dropped
    fact_day: Mapped[date] = mapped_column(Date)  # local day of the fact that crossed the threshold
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class Verification(Base):
    """A misconduct report (harassment, extortion, deliberate delay) being verified by inspectors
    before it can become a violation; opened by `misconduct.reported`, once per report."""

    __tablename__ = "verifications"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    source: Mapped[str] = mapped_column(String(16))  # feedback (later: inspection, press…)
    subject: Mapped[str] = mapped_column(String(64), unique=True)  # the report's tracking code
    kind: Mapped[str] = mapped_column(String(32))
    unit: Mapped[str] = mapped_column(String(64), index=True)
    official: Mapped[str | None] = mapped_column(String(64), index=True)
    dossier_code: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # open | confirmed | dismissed
    reported_at: Mapped[datetime] = mapped_column(UtcDateTime)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
