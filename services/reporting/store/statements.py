"""The statements of the projections and of the rankings, built once per database dialect: building a
statement and its cache key costs about as much as running it, and the projections run hundreds of times
a second. Also the column sets the readers share and the type decorators of the bulk writes."""

from __future__ import annotations

import functools

from sqlalchemy import JSON, DateTime, Text, bindparam, case, cast, column, func, select, table, update
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator

from services.reporting.domain.dossier_facts import DOSSIER_SLOTS
from services.reporting.domain.occurrences import FIGURE_COUNTERS
from services.reporting.domain.task_facts import TASK_COUNTERS, TASK_SLOTS
from services.reporting.models import (
    ArchivedEvent,
    BoardCount,
    BoardStep,
    BoardUnit,
    DossierFact,
    FigureMonth,
    HeadTerm,
    IssuedReport,
    Occurrence,
    PublicSanction,
    PublishedRanking,
    Rating,
    Scorecard,
    SelfAssessment,
    SurveyRound,
    TaskFact,
    TaskMonth,
    Unit,
    UnitOpen,
    UnitTasks,
)
from shared.db import UtcDateTime

archive_table = ArchivedEvent.__table__
units = Unit.__table__
facts = DossierFact.__table__
scorecards = Scorecard.__table__
unit_open = UnitOpen.__table__
rankings = PublishedRanking.__table__
occurrences = Occurrence.__table__
task_facts = TaskFact.__table__
ratings = Rating.__table__
task_months = TaskMonth.__table__
unit_tasks = UnitTasks.__table__
figure_months = FigureMonth.__table__
issued_reports = IssuedReport.__table__
public_sanctions = PublicSanction.__table__
survey_rounds = SurveyRound.__table__
head_terms = HeadTerm.__table__
self_assessments = SelfAssessment.__table__
board_counts = BoardCount.__table__
board_units = BoardUnit.__table__
board_steps = BoardStep.__table__

MONTH_COLUMNS = ("completed_early", "completed_on_time", "completed_late", "open_within_change",
                 "open_overdue_change")
BOARD_COUNTERS = ("open", "due_soon", "overdue")
# What the board keeps of a dossier besides its slots (read with them, written when they change).
PLACEMENT_COLUMNS = ("procedure_code", "position_at", "position_step", "position_official", "position_from_step",
                     "warning_due_at", "warning_detected_at", "warning_step", "warning_official")
BOARD_ENTRY_COLUMNS = ("board_state", "board_step", "board_official")
UNIT_TASK_TOTALS = ("entered", "left", "overdue_change")  # the task_months counters a period reads as totals
# Every table a rebuild empties and fills again from the archive. Published rankings stay: they are what
# was published, and the rebuild's final re-ranking publishes only what really changed. Issued reports
# stay too: they are served as issued.
PROJECTION_TABLES = [units, facts, scorecards, unit_open, occurrences, task_facts, task_months, unit_tasks,
                     ratings, figure_months, public_sanctions, survey_rounds, head_terms, self_assessments,
                     board_counts, board_units, board_steps]

VIEW_COLUMNS = (facts.c.received_at, facts.c.due_at, facts.c.completed_at, facts.c.timeliness,
                facts.c.overdue_detected_at, facts.c.paused_since, facts.c.marked_late_at)
TASK_VIEW_COLUMNS = (task_facts.c.assigned_at, task_facts.c.due_at, task_facts.c.completed_at,
                     task_facts.c.timeliness, task_facts.c.overdue_detected_at, task_facts.c.overdue_cleared_at)


def dialect_insert(session: Session):
    """The INSERT construct of the session's dialect (ON CONFLICT on PostgreSQL and SQLite)."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


class Statements:
    """The statements of the projection, built once per dialect (`statements(session)`)."""

    def __init__(self, dialect: str):
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        self.archive = insert(archive_table).on_conflict_do_nothing()
        self.ensure_unit = insert(units).on_conflict_do_nothing()
        # RETURNING says which rows went in: only those add to the unit's month counts (figure_months).
        self.insert_occurrence = insert(occurrences).on_conflict_do_nothing().returning(
            occurrences.c.kind, occurrences.c.subject, occurrences.c.key)
        self.insert_rating = insert(ratings).on_conflict_do_nothing().returning(ratings.c.code)
        # A rebuild knows which rows are new (it keeps the keys it wrote): plain inserts, run as the driver's
        # executemany. RETURNING would make SQLAlchemy build one long multi-row statement per page, which
        # psycopg parses again every time (a sixth of the PostgreSQL rebuild's time).
        self.insert_occurrence_many = insert(bulk_table(occurrences, dialect))
        self.insert_rating_many = insert(ratings)
        self.insert_task_fact_many = insert(task_facts)
        self.lock_task_facts = (select(task_facts.c.code, *(task_facts.c[kind] for kind in TASK_SLOTS))
                                .where(task_facts.c.code.in_(bindparam("codes", expanding=True))).with_for_update())
        figure_month = insert(figure_months)
        self.add_to_figure_month = figure_month.on_conflict_do_update(
            index_elements=["period", "unit"],
            set_={name: figure_months.c[name] + figure_month.excluded[name] for name in FIGURE_COUNTERS})
        bulk_facts = bulk_table(facts, dialect)
        # The slots, then the board's placement (PLACEMENT_COLUMNS).
        slots = [facts.c[name] for name in (*DOSSIER_SLOTS, *PLACEMENT_COLUMNS)]
        self.lock_fact = select(*slots).where(facts.c.code == bindparam("fact_code")).with_for_update()
        self.lock_facts = (select(facts.c.code, *slots).where(facts.c.code.in_(bindparam("codes", expanding=True)))
                           .with_for_update())
        # The board's columns of dossiers whose placement or entry changed (the parameters' keys say which).
        self.update_board_many = update(bulk_facts).where(
            bulk_facts.c.code == bindparam("fact_code"))
        board = insert(board_counts)
        self.add_to_board = board.on_conflict_do_update(
            index_elements=["unit", "procedure_code", "step"],
            set_={name: board_counts.c[name] + board.excluded[name] for name in BOARD_COUNTERS})
        board_unit = insert(board_units)
        self.add_to_board_unit = board_unit.on_conflict_do_update(
            index_elements=["unit"], set_={name: board_units.c[name] + board_unit.excluded[name]
                                           for name in BOARD_COUNTERS})
        board_step = insert(board_steps)
        self.add_to_board_step = board_step.on_conflict_do_update(
            index_elements=["procedure_code", "step"], set_={name: board_steps.c[name] + board_step.excluded[name]
                                                             for name in BOARD_COUNTERS})
        # RETURNING says whether the row went in: rowcount is -1 on this driver, which reads as "inserted"
        # and double-counts a dossier whose first two events two workers took at the same moment.
        self.insert_fact = insert(facts).on_conflict_do_nothing().returning(facts.c.code)
        self.insert_fact_many = insert(bulk_facts)
        # The columns set are the parameters' keys: the derived columns and the slots that changed.
        self.update_fact_many = update(bulk_facts).where(bulk_facts.c.code == bindparam("fact_code")).values(
            procedure_code=func.coalesce(bulk_facts.c.procedure_code, bindparam("procedure_code_if_missing")))
        month = insert(scorecards)
        self.add_to_month = month.on_conflict_do_update(
            index_elements=["period", "unit"],
            set_={name: scorecards.c[name] + month.excluded[name] for name in MONTH_COLUMNS})
        unit_open_insert = insert(unit_open)
        self.add_to_open = unit_open_insert.on_conflict_do_update(
            index_elements=["unit"],
            set_={name: unit_open.c[name] + unit_open_insert.excluded[name]
                  for name in ("open_within", "open_overdue")})
        # Lock a period's ranking row of all units (creating it the first time), at once.
        ranking = insert(rankings)
        self.lock_ranking = ranking.on_conflict_do_update(
            index_elements=["period", "unit_kind"], set_={"units_ranked": rankings.c.units_ranked},
        ).returning(rankings.c.entries)
        self.upsert_ranking = ranking.on_conflict_do_update(
            index_elements=["period", "unit_kind"],
            set_={name: ranking.excluded[name] for name in ("entries", "units_ranked", "changed_at")})
        self.lock_task_fact = (select(*(task_facts.c[kind] for kind in TASK_SLOTS))
                               .where(task_facts.c.code == bindparam("fact_code")).with_for_update())
        self.insert_task_fact = insert(task_facts).on_conflict_do_nothing().returning(task_facts.c.code)
        self.update_task_fact = update(task_facts).where(task_facts.c.code == bindparam("fact_code"))
        task_month = insert(task_months)
        self.add_to_task_month = task_month.on_conflict_do_update(
            index_elements=["period", "unit"],
            set_={name: task_months.c[name] + task_month.excluded[name] for name in TASK_COUNTERS})
        unit_tasks_insert = insert(unit_tasks)
        self.add_to_unit_tasks = unit_tasks_insert.on_conflict_do_update(
            index_elements=["unit"],
            set_={name: unit_tasks.c[name] + unit_tasks_insert.excluded[name] for name in UNIT_TASK_TOTALS})


@functools.cache
def _statements_for(dialect: str) -> Statements:
    return Statements(dialect)


def statements(session: Session) -> Statements:
    return _statements_for(session.get_bind().dialect.name)


class JsonText(TypeDecorator):
    """JSON given as the text the caller serialised (json.dumps), cast by PostgreSQL."""

    impl = Text
    cache_ok = True

    def bind_expression(self, bindvalue):
        return cast(bindvalue, JSON)


def bulk_table(model_table, dialect: str):
    """A table as the bulk writes see it, for the same rows as the JSON type and UtcDateTime would write
    without their step on every value (on PostgreSQL a quarter of the cost of writing a row): JSON columns
    take the text the caller serialised (what the JSON type writes: json.dumps, None as 'null'); on
    PostgreSQL an instant goes as it is (the column stores the instant, whatever the offset), on SQLite
    through UtcDateTime (stored as naive UTC)."""
    columns = []
    for model_column in model_table.columns:
        kind = model_column.type
        if isinstance(kind, JSON):
            kind = JsonText() if dialect == "postgresql" else Text()
        elif isinstance(kind, UtcDateTime) and dialect == "postgresql":
            kind = DateTime(timezone=True)
        columns.append(column(model_column.name, kind))
    return table(model_table.name, *columns)


@functools.cache
def month_tallies_query(with_kind: bool):
    """Every unit with dossiers, its name, what is open now, the completions of the months `:first` to
    `:last`, and the changes of open standing after `:last` (optionally only units of `:kind`)."""
    months = (
        select(scorecards.c.unit,
               func.sum(scorecards.c.completed_early).label("early"),
               func.sum(scorecards.c.completed_on_time).label("on_time"),
               func.sum(scorecards.c.completed_late).label("late"))
        .where(scorecards.c.period >= bindparam("first"), scorecards.c.period <= bindparam("last"))
        .group_by(scorecards.c.unit)
        .subquery("months")
    )
    later = (
        select(scorecards.c.unit,
               func.sum(scorecards.c.open_within_change).label("within"),
               func.sum(scorecards.c.open_overdue_change).label("overdue"))
        .where(scorecards.c.period > bindparam("last"))
        .group_by(scorecards.c.unit)
        .subquery("later")
    )
    query = (
        select(unit_open.c.unit, units.c.name, units.c.sort_key, units.c.kind, unit_open.c.open_within,
               unit_open.c.open_overdue, months.c.early, months.c.on_time, months.c.late, later.c.within,
               later.c.overdue)
        .select_from(
            unit_open
            .outerjoin(months, months.c.unit == unit_open.c.unit)
            .outerjoin(later, later.c.unit == unit_open.c.unit)
            .outerjoin(units, units.c.code == unit_open.c.unit)
        )
    )
    return query.where(units.c.kind == bindparam("kind")) if with_kind else query


@functools.cache
def task_months_query():
    """Every lead unit's month rows from `:first` on, summed: the tasks entered after `:last`, left from
    `:first` on, completed in `:first`..`:last`, and the changes of overdue tasks after `:last`. With the
    totals (`unit_tasks`) they give the figures of `:first`..`:last`, reading only recent rows."""
    later = task_months.c.period > bindparam("last")

    def total(column, when):
        return func.sum(case((when, column), else_=0))

    return (select(task_months.c.unit,
                   total(task_months.c.entered, later).label("entered_after"),
                   func.sum(task_months.c.left).label("left_from_first"),
                   total(task_months.c.completed_on_time, ~later).label("on_time"),
                   total(task_months.c.completed_late, ~later).label("late"),
                   total(task_months.c.overdue_change, later).label("overdue_after"))
            .where(task_months.c.period >= bindparam("first"))
            .group_by(task_months.c.unit))
