"""Tables of the reporting service (its own database): read models built from events.

Everything here can be rebuilt from `event_archive`, which keeps every event consumed, written in the
same transaction as the projections it changed.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, Index, Integer, LargeBinary, String, Text, true
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import UtcDateTime, service_metadata


class Base(DeclarativeBase):
    metadata = service_metadata()


class ArchivedEvent(Base):
    """Every event consumed, as it came (codes only: events never carry a citizen's personal data)."""

    __tablename__ = "event_archive"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    type: Mapped[str] = mapped_column(String(128))
    source: Mapped[str] = mapped_column(String(256))
    subject: Mapped[str] = mapped_column(String(128))
    unit: Mapped[str | None] = mapped_column(String(64))
    time: Mapped[datetime] = mapped_column(UtcDateTime, index=True)  # rebuilds and audits read it by time
    correlation_id: Mapped[str | None] = mapped_column(String(64))
    causation_id: Mapped[str | None] = mapped_column(String(64))
    data_version: Mapped[str] = mapped_column(String(16))
    data: Mapped[dict] = mapped_column(JSON)
    archived_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Unit(Base):
    """A unit seen in any event; name, parent and kind once the directory has told them."""

    __tablename__ = "units"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str | None] = mapped_column(Text)
    parent: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str | None] = mapped_column(String(32))
    # shared.vietnamese.sort_key of the name (of the code while no name is known), kept with the name so a
    # ranking of a thousand units sorts its ties without computing a thousand keys on every request.
    sort_key: Mapped[str | None] = mapped_column(Text)
    # Time of the directory event the name came from: an older event arriving late changes nothing.
    directory_event_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    first_seen_at: Mapped[datetime] = mapped_column(UtcDateTime)


class DossierFact(Base):
    """One dossier as its events tell it. The slots keep what each kind of event said (the merge
    rules are in domain.dossier_facts.DossierFact); the other columns are the effective view, for queries."""

    __tablename__ = "dossier_facts"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    unit: Mapped[str | None] = mapped_column(String(64))
    procedure_code: Mapped[str | None] = mapped_column(String(64))
    received_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    timeliness: Mapped[str | None] = mapped_column(String(8))
    overdue_detected_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    receipt: Mapped[dict | None] = mapped_column(JSON)
    completion: Mapped[dict | None] = mapped_column(JSON)
    overdue: Mapped[dict | None] = mapped_column(JSON)
    marked_late: Mapped[dict | None] = mapped_column(JSON)
    deadline: Mapped[dict | None] = mapped_column(JSON)
    pause: Mapped[dict | None] = mapped_column(JSON)
    resume: Mapped[dict | None] = mapped_column(JSON)
    apology: Mapped[dict | None] = mapped_column(JSON)
    ending: Mapped[dict | None] = mapped_column(JSON)
    # The effective view of the newer slots, and who is answerable, for queries and drill-downs.
    paused_since: Mapped[datetime | None] = mapped_column(UtcDateTime)
    marked_late_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    late_reason: Mapped[str | None] = mapped_column(String(32))
    responsible_step: Mapped[str | None] = mapped_column(String(64))
    responsible_official: Mapped[str | None] = mapped_column(String(64))
    responsible_unit: Mapped[str | None] = mapped_column(String(64))
    overdue_step: Mapped[str | None] = mapped_column(String(64))
    overdue_official: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # The live board (domain.board): the newest hand-over and the newest warning before the deadline, and
    # where the dossier is counted in `board_counts` while it is open (board_state NULL once it is not).
    position_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    position_step: Mapped[str | None] = mapped_column(String(64))
    position_official: Mapped[str | None] = mapped_column(String(64))
    position_from_step: Mapped[str | None] = mapped_column(String(64))
    warning_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    warning_detected_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    warning_step: Mapped[str | None] = mapped_column(String(64))
    warning_official: Mapped[str | None] = mapped_column(String(64))
    board_state: Mapped[str | None] = mapped_column(String(8))
    board_step: Mapped[str | None] = mapped_column(String(64))
    board_official: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (Index("ix_dossier_facts_unit_received_at", "unit", "received_at"),
                      # A unit's open dossiers on the board, worst first (use_cases.board.unit_dossiers).
                      Index("ix_dossier_facts_unit_board_state", "unit", "board_state", "due_at"))


class Scorecard(Base):
    """One unit's stored row for one month (see domain.dossier_facts.month_changes): the dossiers it completed in the
    month, by timeliness, and how its open dossiers changed over the month. A month's scorecard is
    these completions plus what was open at the month's end (domain.dossier_facts.month_tally)."""

    __tablename__ = "scorecards"

    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    unit: Mapped[str] = mapped_column(String(64), primary_key=True)
    completed_early: Mapped[int] = mapped_column(Integer, default=0)
    completed_on_time: Mapped[int] = mapped_column(Integer, default=0)
    completed_late: Mapped[int] = mapped_column(Integer, default=0)
    open_within_change: Mapped[int] = mapped_column(Integer, default=0)
    open_overdue_change: Mapped[int] = mapped_column(Integer, default=0)


class UnitOpen(Base):
    """A unit's open dossiers now (the sum of all its months' changes), within and past the deadline."""

    __tablename__ = "unit_open"

    unit: Mapped[str] = mapped_column(String(64), primary_key=True)
    open_within: Mapped[int] = mapped_column(Integer, default=0)
    open_overdue: Mapped[int] = mapped_column(Integer, default=0)


class BoardCount(Base):
    """The live board's counters (domain.board): a unit's open dossiers of one procedure at one step now,
    those of them due soon and those overdue. Added to as dossiers move ('' for an unknown procedure or step)."""

    __tablename__ = "board_counts"

    unit: Mapped[str] = mapped_column(String(64), primary_key=True)
    procedure_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    step: Mapped[str] = mapped_column(String(64), primary_key=True)
    open: Mapped[int] = mapped_column(Integer, default=0)
    due_soon: Mapped[int] = mapped_column(Integer, default=0)
    overdue: Mapped[int] = mapped_column(Integer, default=0)

    # A procedure's or a step's rows across units: the board filtered by one of them.
    __table_args__ = (Index("ix_board_counts_procedure_code_step", "procedure_code", "step"),
                      Index("ix_board_counts_step", "step"))


class BoardUnit(Base):
    """A unit's `board_counts` summed: the board's table of every unit, read whole every second by its poll."""

    __tablename__ = "board_units"

    unit: Mapped[str] = mapped_column(String(64), primary_key=True)
    open: Mapped[int] = mapped_column(Integer, default=0)
    due_soon: Mapped[int] = mapped_column(Integer, default=0)
    overdue: Mapped[int] = mapped_column(Integer, default=0)


class BoardStep(Base):
    """`board_counts` summed across units per (procedure, step): the board's chart by step and its filter
    choices, read every second by its poll without grouping every unit's rows."""

    __tablename__ = "board_steps"

    procedure_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    step: Mapped[str] = mapped_column(String(64), primary_key=True)
    open: Mapped[int] = mapped_column(Integer, default=0)
    due_soon: Mapped[int] = mapped_column(Integer, default=0)
    overdue: Mapped[int] = mapped_column(Integer, default=0)


class PublishedRanking(Base):
    """The ranking last published in `ranking.updated` for a period (month, quarter, year) and a kind of
    unit ('' for all units), to tell what the next event changes.

    The row of all units is locked before a period is ranked, so rankings computed by several workers
    are stored one after the other, each from everything committed before it.
    """

    __tablename__ = "published_rankings"

    period: Mapped[str] = mapped_column(String(24), primary_key=True)
    unit_kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    units_ranked: Mapped[int] = mapped_column(Integer, default=0)
    # {unit: [rank, "score"]}: read and written whole on every change, one statement each.
    entries: Mapped[dict] = mapped_column(JSON)
    changed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Occurrence(Base):
    """Something that happened to a dossier, a piece of feedback, an explanation or a sanction, counted
    for a unit at an instant (domain.occurrences.occurrence_from_event): hand-overs, supplements, apologies, ends,
    sent-backs, explanations and their outcome, violations, proposals and decisions, feedback steps.
    Once per natural key (kind, subject, key), whatever the event ids."""

    __tablename__ = "occurrences"

    kind: Mapped[str] = mapped_column(String(64), primary_key=True)
    subject: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(96), primary_key=True)
    unit: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    official: Mapped[str | None] = mapped_column(String(64))
    step: Mapped[str | None] = mapped_column(String(64))
    on_time: Mapped[bool | None] = mapped_column(Boolean)
    related: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict] = mapped_column(JSON)

    # By instant, covering: a ranking counts every unit's occurrences of a period in one grouped query.
    __table_args__ = (Index("ix_occurrences_unit_kind_at", "unit", "kind", "at"),
                      Index("ix_occurrences_related", "related"),
                      Index("ix_occurrences_at", "at", "unit", "kind", "on_time"))


class TaskFact(Base):
    """One task as its events tell it, for its lead unit. The slots keep what each kind of event said
    (the merge rules are in domain.task_facts.TaskFact); the other columns are the effective view, for queries."""

    __tablename__ = "task_facts"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    lead_unit: Mapped[str | None] = mapped_column(String(64))
    assigned_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # in force: approved extensions included
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    timeliness: Mapped[str | None] = mapped_column(String(8))
    overdue_detected_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    overdue_cleared_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    assignment: Mapped[dict | None] = mapped_column(JSON)
    completion: Mapped[dict | None] = mapped_column(JSON)
    overdue: Mapped[dict | None] = mapped_column(JSON)
    extension: Mapped[dict | None] = mapped_column(JSON)
    # Whether the task's figures are in `task_months` (domain.task_facts.counted_in_months); a task completed in a month
    # before the one it was assigned in (bad data) is not, and the ranking judges it row by row.
    in_counters: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

    # The instants a running month's ranking looks up: tasks whose standing changes between now and the
    # month's end are judged row by row (use_cases.figures.task_counts).
    __table_args__ = (Index("ix_task_facts_lead_unit_assigned_at", "lead_unit", "assigned_at"),
                      Index("ix_task_facts_due_at", "due_at"),
                      Index("ix_task_facts_completed_at", "completed_at"),
                      Index("ix_task_facts_overdue_detected_at", "overdue_detected_at"),
                      Index("ix_task_facts_overdue_cleared_at", "overdue_cleared_at"),
                      Index("ix_task_facts_in_counters", "in_counters"))


class TaskMonth(Base):
    """A lead unit's stored task row for one month (see domain.task_facts.task_month_changes): tasks assigned and
    completed in the month, and how the number of its tasks open past their deadline at the month's end
    changed. With `unit_tasks` it gives the task figures of any run of whole months in one query."""

    __tablename__ = "task_months"

    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    unit: Mapped[str] = mapped_column(String(64), primary_key=True)
    entered: Mapped[int] = mapped_column(Integer, default=0)
    left: Mapped[int] = mapped_column(Integer, default=0)
    completed_on_time: Mapped[int] = mapped_column(Integer, default=0)
    completed_late: Mapped[int] = mapped_column(Integer, default=0)
    overdue_change: Mapped[int] = mapped_column(Integer, default=0)


class UnitTasks(Base):
    """A lead unit's `task_months` summed over every month: a period's figures are these totals less the
    months after it, so a query reads only the recent months."""

    __tablename__ = "unit_tasks"

    unit: Mapped[str] = mapped_column(String(64), primary_key=True)
    entered: Mapped[int] = mapped_column(Integer, default=0)
    left: Mapped[int] = mapped_column(Integer, default=0)
    overdue_change: Mapped[int] = mapped_column(Integer, default=0)


class FigureMonth(Base):
    """A unit's stored counts for one month of the composite's other figures (domain.occurrences.FIGURE_COUNTERS):
    explanations requested and missed, feedback steps handled (on time) and overdue, ratings (satisfied).
    Added to when an occurrence or a rating is stored the first time; a period of whole months sums its rows."""

    __tablename__ = "figure_months"

    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    unit: Mapped[str] = mapped_column(String(64), primary_key=True)
    explanations_requested: Mapped[int] = mapped_column(Integer, default=0)
    explanations_missed: Mapped[int] = mapped_column(Integer, default=0)
    feedback_handled: Mapped[int] = mapped_column(Integer, default=0)
    feedback_on_time: Mapped[int] = mapped_column(Integer, default=0)
    feedback_overdue: Mapped[int] = mapped_column(Integer, default=0)
    ratings: Mapped[int] = mapped_column(Integer, default=0)
    ratings_satisfied: Mapped[int] = mapped_column(Integer, default=0)


class Rating(Base):
    """A citizen's satisfaction rating (1–5, with SIPAS factors), once per rating code, in its month."""

    __tablename__ = "ratings"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    unit: Mapped[str | None] = mapped_column(String(64))
    subject_type: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(64))
    overall: Mapped[int] = mapped_column(Integer)
    factors: Mapped[dict] = mapped_column(JSON)
    period: Mapped[str] = mapped_column(String(7))
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    survey_round: Mapped[str | None] = mapped_column(String(64), index=True)  # the monthly survey that invited it

    __table_args__ = (Index("ix_ratings_unit_period", "unit", "period"),
                      # Covering: a ranking counts every unit's ratings of a period, and finds the dossiers
                      # rated 1–2 (complaints) without reading the rows.
                      Index("ix_ratings_submitted_at", "submitted_at", "unit", "overall", "subject_type", "subject"))


# -- reports and public lists


class IssuedReport(Base):
    """One version of a periodic report as issued: the figures it was made from and its two files, kept
    as they were so the report is served unchanged whatever events arrive later. Re-issuing adds the next
    version and keeps the earlier ones. Not a projection: a rebuild from the archive must leave it alone
    (the archive cannot say what was issued, and an issued report must not change)."""

    __tablename__ = "issued_reports"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)  # BC-2026-11, BC-2026-Q4, BC-2026-W47
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    period: Mapped[str] = mapped_column(String(16))
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    as_of: Mapped[datetime] = mapped_column(UtcDateTime)
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime)
    issued_by: Mapped[str] = mapped_column(String(64))  # the user's token subject, or "sweep"
    reason: Mapped[str | None] = mapped_column(Text)  # why it was re-issued
    figures: Mapped[dict] = mapped_column(JSON)
    xlsx: Mapped[bytes] = mapped_column(LargeBinary)
    pdf: Mapped[bytes] = mapped_column(LargeBinary)

    __table_args__ = (Index("ix_issued_reports_kind_period", "kind", "period"),)


class PublicSanction(Base):
    """A disciplinary decision for the public list of violators, from `sanction.decided` only (never a
    proposal). Public data only: the official's name, unit, form and decision date."""

    __tablename__ = "public_sanctions"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)  # the decision's code
    official: Mapped[str] = mapped_column(String(64))
    official_name: Mapped[str | None] = mapped_column(Text)
    unit: Mapped[str] = mapped_column(String(64))
    form: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime)
    decided_on: Mapped[date] = mapped_column(Date)  # local date: the year of the list
    in_force_until: Mapped[date] = mapped_column(Date)
    event_at: Mapped[datetime] = mapped_column(UtcDateTime)  # the newest event about the decision wins

    __table_args__ = (Index("ix_public_sanctions_decided_on", "decided_on"),)


class SurveyRound(Base):
    """A unit's monthly satisfaction survey (`survey.round_opened`): the month's returned dossiers and the
    citizens invited to rate. The responses are the ratings that name the round."""

    __tablename__ = "survey_rounds"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    unit: Mapped[str] = mapped_column(String(64))
    period: Mapped[str] = mapped_column(String(7))
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)
    returned: Mapped[int] = mapped_column(Integer)
    invited: Mapped[int] = mapped_column(Integer)
    event_at: Mapped[datetime] = mapped_column(UtcDateTime)  # the newest event about a round wins

    __table_args__ = (Index("ix_survey_rounds_unit_period", "unit", "period"),)


class HeadTerm(Base):
    """A head (or deputy) of a unit in office from `since` to `until` (`directory.head_assigned`); the
    newest event about an assignment wins."""

    __tablename__ = "head_terms"

    unit: Mapped[str] = mapped_column(String(64), primary_key=True)
    official: Mapped[str] = mapped_column(String(64), primary_key=True)
    since: Mapped[date] = mapped_column(Date, primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    until: Mapped[date | None] = mapped_column(Date)
    event_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SelfAssessment(Base):
    """An official's assessment of their own plan (`plan.self_assessed`), once per plan code; the newest
    event about a plan wins."""

    __tablename__ = "self_assessments"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    official: Mapped[str] = mapped_column(String(64))
    unit: Mapped[str] = mapped_column(String(64))
    period_kind: Mapped[str] = mapped_column(String(16))
    period: Mapped[str] = mapped_column(String(16))
    items: Mapped[int] = mapped_column(Integer)
    done: Mapped[int] = mapped_column(Integer)
    done_on_time: Mapped[int] = mapped_column(Integer)
    level: Mapped[str] = mapped_column(String(32))
    assessed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    event_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (Index("ix_self_assessments_official_period", "official", "period_kind", "period"),)
