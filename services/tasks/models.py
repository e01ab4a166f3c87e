"""Tables of the tasks service (its own database)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import UtcDateTime, service_metadata

# Open tasks whose current deadline has not been alerted as overdue yet: the only rows the overdue
# sweep reads. The sweep filters with this very text so PostgreSQL and SQLite match it to the index.
OVERDUE_WATCH = text("completed_at IS NULL AND due_at IS NOT NULL AND overdue_alerted_due_at IS NULL")
# Open tasks with a deadline: what the reminder sweep and the Monday digest look at.
OPEN_WITH_DEADLINE = text("completed_at IS NULL AND due_at IS NOT NULL")


class Base(DeclarativeBase):
    metadata = service_metadata()


class Directive(Base):
    """A directing document (chỉ thị, kế hoạch, công văn) that gives tasks."""

    __tablename__ = "directives"

    number_symbol: Mapped[str] = mapped_column(String(64), primary_key=True)  # e.g. 01/CT-UBND
    issued_on: Mapped[date] = mapped_column(Date)
    signer: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    issued_by: Mapped[str | None] = mapped_column(String(64))  # unit code
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Task(Base):
    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_overdue_watch", "due_at", postgresql_where=OVERDUE_WATCH, sqlite_where=OVERDUE_WATCH),
        Index("ix_tasks_open_due_at", "due_at", postgresql_where=OPEN_WITH_DEADLINE,
              sqlite_where=OPEN_WITH_DEADLINE),
        # One task per occurrence of a series, whichever replica materialises it.
        UniqueConstraint("series", "occurrence_on", name="uq_tasks_series_occurrence"),
    )

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    lead_unit: Mapped[str] = mapped_column(String(64), index=True)
    co_units: Mapped[list[str]] = mapped_column(JSON, default=list)
    document: Mapped[str | None] = mapped_column(String(64), index=True)
    directive: Mapped[str | None] = mapped_column(String(64), index=True)  # a registered Directive
    required_product: Mapped[str | None] = mapped_column(Text)
    assigned_by: Mapped[str | None] = mapped_column(String(64), index=True)
    assignee: Mapped[str | None] = mapped_column(String(64))
    series: Mapped[str | None] = mapped_column(String(32))
    occurrence_on: Mapped[date | None] = mapped_column(Date)  # the day the recurrence named
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    progress_percent: Mapped[int] = mapped_column(Integer, default=0)  # the lead unit's latest figure
    last_report_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # any unit's latest report
    # The deadline last alerted as overdue; an approved extension puts it back to NULL, and
    # `task_alerts` keeps each deadline alerted at most once.
    overdue_alerted_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class TaskUnit(Base):
    """Which units a task concerns (lead and co-operating), for listing a unit's tasks by index."""

    __tablename__ = "task_units"

    task_code: Mapped[str] = mapped_column(ForeignKey("tasks.code"), primary_key=True)
    unit: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(8))  # lead | co


class TaskSeries(Base):
    """A recurring task: its template and rule; the occurrences sweep materialises tasks ahead."""

    __tablename__ = "task_series"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # weekly | monthly | quarterly
    weekday: Mapped[int | None] = mapped_column(Integer)
    day_of_month: Mapped[int | None] = mapped_column(Integer)
    until: Mapped[date | None] = mapped_column(Date)
    title: Mapped[str] = mapped_column(Text)
    lead_unit: Mapped[str] = mapped_column(String(64))
    co_units: Mapped[list[str]] = mapped_column(JSON, default=list)
    document: Mapped[str | None] = mapped_column(String(64))
    directive: Mapped[str | None] = mapped_column(String(64))
    required_product: Mapped[str | None] = mapped_column(Text)
    assigned_by: Mapped[str | None] = mapped_column(String(64))
    assignee: Mapped[str | None] = mapped_column(String(64))
    last_occurrence_on: Mapped[date] = mapped_column(Date)  # nominal day of the latest materialised
    finished: Mapped[bool] = mapped_column(default=False)  # no occurrence left before `until`
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ProgressReport(Base):
    __tablename__ = "progress_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    task_code: Mapped[str] = mapped_column(ForeignKey("tasks.code"), index=True)
    unit: Mapped[str] = mapped_column(String(64))
    percent: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    product: Mapped[str | None] = mapped_column(Text)  # file name or URL of the product
    reported_at: Mapped[datetime] = mapped_column(UtcDateTime)
    reported_by: Mapped[str] = mapped_column(String(64))


class Extension(Base):
    """A request to move a deadline and its decision; kept whatever the outcome (the history)."""

    __tablename__ = "extensions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    task_code: Mapped[str] = mapped_column(ForeignKey("tasks.code"), index=True)
    previous_due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    requested_due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    reason: Mapped[str] = mapped_column(Text)
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime)
    requested_by: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # requested | approved | refused
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decision_reason: Mapped[str | None] = mapped_column(Text)


class TaskAlert(Base):
    """One row per alert fired: the key makes a second alert for the same task, kind ('due_soon:<n>' or
    'overdue') and deadline impossible, whichever worker replica tries."""

    __tablename__ = "task_alerts"

    task_code: Mapped[str] = mapped_column(ForeignKey("tasks.code"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime, primary_key=True)
    alerted_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Digest(Base):
    """The Monday list for one leader: tasks due (or past due) without a report in the last 7 days."""

    __tablename__ = "digests"

    week: Mapped[date] = mapped_column(Date, primary_key=True)  # the Monday
    leader: Mapped[str] = mapped_column(String(64), primary_key=True)  # assigned_by
    task_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    compiled_at: Mapped[datetime] = mapped_column(UtcDateTime)


class WorkPlan(Base):
    """An official's work plan for a week, a month or a quarter, its self-assessment and the head's review.
    Its status is derived from which of the three instants are set (domain.plan_status)."""

    __tablename__ = "work_plans"
    __table_args__ = (
        # One plan per official and period, whichever request comes first.
        UniqueConstraint("official", "period_kind", "period", name="uq_work_plans_official_period"),
        Index("ix_work_plans_unit_period", "unit", "period"),
    )

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    official: Mapped[str] = mapped_column(String(64))
    unit: Mapped[str] = mapped_column(String(64))
    period_kind: Mapped[str] = mapped_column(String(8))  # week | month | quarter
    period: Mapped[str] = mapped_column(String(8))  # 2026-W48 | 2026-11 | 2026-Q4
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    assessed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    level: Mapped[str | None] = mapped_column(String(16))  # the level the official proposes
    comment: Mapped[str | None] = mapped_column(Text)
    reviewed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reviewed_by: Mapped[str | None] = mapped_column(String(64))
    review_agreed: Mapped[bool | None] = mapped_column()
    review_note: Mapped[str | None] = mapped_column(Text)


class PlanItem(Base):
    """One line of a plan: what, planned for which day, for which assigned task, and when it was done."""

    __tablename__ = "plan_items"
    __table_args__ = (UniqueConstraint("plan_code", "position", name="uq_plan_items_position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    plan_code: Mapped[str] = mapped_column(ForeignKey("work_plans.code"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # 1, 2, … in the order written
    title: Mapped[str] = mapped_column(Text)
    task_code: Mapped[str | None] = mapped_column(String(32))
    planned_on: Mapped[date] = mapped_column(Date)
    done_on: Mapped[date | None] = mapped_column(Date)


# -- the directory's read copy (from discipline's `directory.*` events) ------------------------------

class DirectoryUnit(Base):
    """A unit of the directory (`directory.unit_upserted`): tasks are assigned to these only."""

    __tablename__ = "directory_units"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    event_time: Mapped[datetime] = mapped_column(UtcDateTime)


class DirectoryOfficial(Base):
    """An official of the directory (`directory.official_upserted`) and their unit (newest wins): a
    task's assignee is one of its lead unit's."""

    __tablename__ = "directory_officials"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    unit: Mapped[str] = mapped_column(String(64))
    event_time: Mapped[datetime] = mapped_column(UtcDateTime)
