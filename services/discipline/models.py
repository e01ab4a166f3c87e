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
    # Who the province's identity provider says this official is (its ID token's claim, KYCUONG_OIDC_CLAIM):
    # signing in through the provider finds the official by it. Null: not linked, no browser sign-in.
    idp_subject: Mapped[str | None] = mapped_column(String(255), unique=True)


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
    # The official's explanation, kept even when it came after the deadline (status stays missed).
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    submission: Mapped[str | None] = mapped_column(Text)
    missed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The judgement of the head in office or of an inspector: accepted or rejected, with the reason.
    judged_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    judged_by: Mapped[str | None] = mapped_column(String(64))
    judgement_reason: Mapped[str | None] = mapped_column(Text)

    @property
    def submitted_late(self) -> bool:
        return self.submitted_at is not None and self.submitted_at > self.due_at


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
    status: Mapped[str] = mapped_column(String(16))  # proposed, in_progress, decided, dropped
    fact_day: Mapped[date] = mapped_column(Date)  # local day of the fact that crossed the threshold
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    # What the proposal stands on, as it was when made: the violation that crossed the threshold, the
    # official's category and post that chose the rule set and the ladder, the rule's own form before a
    # repeat raised it (and the decision that did), the facts in words.
    violation: Mapped[str | None] = mapped_column(String(32))
    violation_kind: Mapped[str | None] = mapped_column(String(32))
    category: Mapped[str | None] = mapped_column(String(16))
    is_leader: Mapped[bool | None] = mapped_column(Boolean)
    rule_form: Mapped[str | None] = mapped_column(String(32))
    escalated_from: Mapped[str | None] = mapped_column(String(32))  # decision code of the earlier sanction
    statement: Mapped[str | None] = mapped_column(Text)
    # The procedure: next step and its deadline; the 90-day handling limit (150 once extended).
    next_step: Mapped[str | None] = mapped_column(String(16))
    next_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    handling_until: Mapped[date | None] = mapped_column(Date)
    extended: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    extension_reason: Mapped[str | None] = mapped_column(Text)
    limitation_until: Mapped[date | None] = mapped_column(Date)  # last day the violation may be handled
    dropped_reason: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    rule_source: Mapped[str | None] = mapped_column(Text)  # the rule's source, or local policy
    rule_set_source: Mapped[str | None] = mapped_column(Text)  # the set's document and article
    rule_set_verified: Mapped[bool | None] = mapped_column(Boolean)
    discovered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # the handling limit counts from it


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
    # The inspectors' conclusion; a confirmed report becomes a violation of the official concerned.
    concluded_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    concluded_by: Mapped[str | None] = mapped_column(String(64))
    conclusion: Mapped[str | None] = mapped_column(Text)


# --- explanations: attachments, missed deadlines ---------------------------------------------------

# The missed-explanations sweep reads only requests still waiting for an answer, by deadline.
Index("ix_explanation_requests_waiting_due", ExplanationRequest.due_at,
      postgresql_where=ExplanationRequest.status == "requested",
      sqlite_where=ExplanationRequest.status == "requested")


class ExplanationAttachment(Base):
    """A file sent with an explanation (JPEG, PNG or PDF), stored under var_dir by our own name."""

    __tablename__ = "explanation_attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request: Mapped[str] = mapped_column(ForeignKey("explanation_requests.code"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    stored_as: Mapped[str] = mapped_column(String(255))
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime)


# --- inspections ------------------------------------------------------------------------------------

class Inspection(Base):
    """A public-service inspection (kiểm tra công vụ) of a unit by Home Affairs, periodic or surprise."""

    __tablename__ = "inspections"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    unit: Mapped[str] = mapped_column(ForeignKey("units.code"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # periodic | surprise
    inspected_on: Mapped[date] = mapped_column(Date, index=True)
    team: Mapped[list[str]] = mapped_column(JSON)  # members of the inspection team (đoàn kiểm tra)
    notes: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class InspectionFinding(Base):
    """One finding of an inspection about one official; each becomes a violation of that official."""

    __tablename__ = "inspection_findings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    inspection: Mapped[str] = mapped_column(ForeignKey("inspections.code"), index=True)
    category: Mapped[str] = mapped_column(String(16))  # working_hours | conduct | process | misconduct
    official: Mapped[str] = mapped_column(String(64), index=True)
    unit: Mapped[str] = mapped_column(String(64), index=True)  # the official's unit
    facts: Mapped[str] = mapped_column(Text)
    fact_date: Mapped[date] = mapped_column(Date)
    violation: Mapped[str | None] = mapped_column(String(32))  # code of the violation it was recorded as
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)


# --- audit chain ------------------------------------------------------------------------------------

class AuditHead(Base):
    """The single row naming the chain's last entry. Appends lock it (FOR UPDATE on PostgreSQL), so two
    workers never give two entries the same seq or the same predecessor; verification compares it with
    the last entry, so entries cut from the end are noticed too."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # always 1
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


class AuditEntry(Base):
    """An append-only entry of the tamper-evident log: hash = sha256(prev_hash + content)."""

    __tablename__ = "audit_entries"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    action: Mapped[str] = mapped_column(String(64), index=True)
    subject: Mapped[str] = mapped_column(String(64), index=True)
    actor: Mapped[str | None] = mapped_column(String(64))
    data: Mapped[str] = mapped_column(Text)  # canonical JSON, exactly the text that was hashed
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


# --- violations, decisions -------------------------------------------------------------------------

class Violation(Base):
    """A violation of one official (cá thể hóa trách nhiệm): direct, or the joint liability of the head in
    office on the fact's date. Once per official, kind, source and responsibility, however often it is
    reported (a replay changes nothing)."""

    __tablename__ = "violations"
    __table_args__ = (
        UniqueConstraint("official", "kind", "source_type", "source", "responsibility",
                         name="uq_violations_official_kind_source"),
        Index("ix_violations_official_kind_day", "official", "kind", "fact_date"),
        Index("ix_violations_unit_kind_day", "unit", "kind", "fact_date"),
    )

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    official: Mapped[str] = mapped_column(String(64))
    unit: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))  # late_dossier, missed_explanation, misconduct, …
    source_type: Mapped[str] = mapped_column(String(16))  # dossier, task, feedback, inspection, …
    source: Mapped[str] = mapped_column(String(64))
    fact_date: Mapped[date] = mapped_column(Date)
    facts: Mapped[str] = mapped_column(Text)
    responsibility: Mapped[str] = mapped_column(String(8))  # direct | joint
    joint_of: Mapped[str | None] = mapped_column(String(32))  # the direct violation a joint one answers for
    rule_set: Mapped[str | None] = mapped_column(String(64))  # in force on fact_date for the official
    actor: Mapped[str | None] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    # When the violation came to light (the detection, the inspection, the report): the handling time
    # limit counts from it. Null on violations recorded before it was kept (then: recorded_at).
    discovered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    rule_set_source: Mapped[str | None] = mapped_column(Text)  # the set's document and article, as cited
    rule_set_verified: Mapped[bool | None] = mapped_column(Boolean)


class ProposalStep(Base):
    """One step of the disciplinary procedure of a proposal, with the deadline it had and whether it kept it."""

    __tablename__ = "proposal_steps"
    __table_args__ = (UniqueConstraint("proposal", "step", name="uq_proposal_steps_proposal_step"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    proposal: Mapped[str] = mapped_column(ForeignKey("sanction_proposals.code"), index=True)
    step: Mapped[str] = mapped_column(String(16))  # review | council | recommendation | decision
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    on_time: Mapped[bool] = mapped_column(Boolean)
    notes: Mapped[str | None] = mapped_column(Text)
    members: Mapped[list[str] | None] = mapped_column(JSON)  # the council's members
    form: Mapped[str | None] = mapped_column(String(32))  # recommended or decided
    recorded_by: Mapped[str | None] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Decision(Base):
    """A disciplinary decision, in force 12 months from its day: it bars awards, appointment and planning
    and caps the year's evaluation."""

    __tablename__ = "decisions"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    proposal: Mapped[str] = mapped_column(ForeignKey("sanction_proposals.code"), unique=True)
    official: Mapped[str] = mapped_column(String(64), index=True)
    unit: Mapped[str] = mapped_column(String(64), index=True)
    form: Mapped[str] = mapped_column(String(32))
    violation_kind: Mapped[str | None] = mapped_column(String(32))
    rule_set: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime)
    decided_on: Mapped[date] = mapped_column(Date)  # local day of decided_at
    in_force_until: Mapped[date] = mapped_column(Date)  # last day in force
    decided_by: Mapped[str | None] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    effective_on: Mapped[date | None] = mapped_column(Date)  # null on older decisions: decided_on
    rule_source: Mapped[str | None] = mapped_column(Text)  # the article listing the form decided
    rule_set_verified: Mapped[bool | None] = mapped_column(Boolean)


class RuleSetConfirmation(Base):
    """An operator's confirmation that an unverified rule set's source was checked against the published
    text: from then it is chosen like a verified one. Who and when are also in the audit log."""

    __tablename__ = "rule_set_confirmations"

    version: Mapped[str] = mapped_column(String(64), primary_key=True)
    confirmed_by: Mapped[str] = mapped_column(String(64))
    confirmed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    note: Mapped[str | None] = mapped_column(Text)
