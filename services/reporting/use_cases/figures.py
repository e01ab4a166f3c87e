"""What the read side shares: a unit's row, its tally exactly from its dossiers, every unit's tally from
the month rows, and the figures besides the dossier tally (tasks, ratings, complaints, feedback,
discipline), each in a few grouped queries whatever the number of units."""

from __future__ import annotations

import functools
import json
from collections import defaultdict
from datetime import datetime
from pathlib import Path

from sqlalchemy import case, false, func, or_, select
from sqlalchemy.orm import Session

from services.reporting.domain.composite import ScoringRules, scoring_rules_from_document
from services.reporting.domain.dossier_facts import DossierView, month_tally, standing_at
from services.reporting.domain.occurrences import FEEDBACK_STEPS, FIGURE_COUNTERS
from services.reporting.domain.periods import Month, Period
from services.reporting.domain.progress import Tally
from services.reporting.domain.ranking import UnitTally
from services.reporting.domain.task_facts import TaskFigures, TaskView, task_figures, task_figures_of, task_standing
from services.reporting.store.statements import TASK_VIEW_COLUMNS, VIEW_COLUMNS, month_tallies_query, task_months_query
from services.reporting.store.statements import facts as _facts
from services.reporting.store.statements import figure_months as _figure_months
from services.reporting.store.statements import occurrences as _occurrences
from services.reporting.store.statements import ratings as _ratings
from services.reporting.store.statements import survey_rounds as _survey_rounds
from services.reporting.store.statements import task_facts as _task_facts
from services.reporting.store.statements import unit_tasks as _unit_tasks
from services.reporting.store.statements import units as _units
from shared.errors import NotFound

SCORING_FILE = Path(__file__).parents[1] / "scoring.json"


@functools.cache
def scoring_versions() -> tuple[ScoringRules, ...]:
    with SCORING_FILE.open(encoding="utf-8") as file:
        return scoring_rules_from_document(json.load(file))


def unit_row(session: Session, unit_code: str):
    unit = session.execute(select(_units.c.code, _units.c.name, _units.c.kind)
                           .where(_units.c.code == unit_code)).first()
    if unit is None:
        raise NotFound(
            f"no event has named unit {unit_code!r} yet; check the unit code (mã đơn vị)",
            {"unit": ["unknown unit; đơn vị chưa có dữ liệu"]},
        )
    return unit


def exact_tally(session: Session, unit_code: str, start: datetime, end: datetime, at: datetime) -> Tally:
    tally = Tally()
    for row in session.execute(
        select(*VIEW_COLUMNS).where(_facts.c.unit == unit_code, _facts.c.received_at < end)
        .where(_facts.c.completed_at.is_(None) | (_facts.c.completed_at >= start))
    ):
        standing = standing_at(DossierView(*row), start, end, at)
        if standing is not None:
            tally += standing
    return tally


def other_figures(session: Session, units: list[str], start: datetime, end: datetime, at: datetime, *,
                   every_unit: bool = False, tasks: dict[str, TaskFigures] | None = None) -> dict[str, dict]:
    """Everything but the dossier tally, per unit, for the period [start, end) judged at `at`: tasks,
    ratings, complaints about dossiers, feedback steps, discipline counts. A few grouped queries whatever
    the number of units. `every_unit`: read the rows of every unit and keep those of `units` (a ranking:
    cheaper than a list of a thousand codes in each query). `tasks`: the task figures already known (from
    the month counters), so the tasks are not read one by one."""
    def only(column):
        return [] if every_unit else [column.in_(units)]

    result: dict[str, dict] = defaultdict(lambda: {"counts": defaultdict(int), "rating_scores": [],
                                                   "tasks": [], "complaints": set()})
    for unit, kind, on_time, count in session.execute(
        select(_occurrences.c.unit, _occurrences.c.kind, _occurrences.c.on_time, func.count())
        .where(_occurrences.c.at >= start, _occurrences.c.at < end, _occurrences.c.unit.is_not(None),
               *only(_occurrences.c.unit))
        .group_by(_occurrences.c.unit, _occurrences.c.kind, _occurrences.c.on_time)
    ):
        counts = result[unit]["counts"]
        counts[kind] += count
        if kind == "dossier.sent_back" and on_time is False:
            counts["returned_for_fault"] += count
        if kind == "feedback.answered" and on_time:
            counts["answered_on_time"] += count
        if kind in FEEDBACK_STEPS:
            counts["feedback_handled"] += count
            counts["feedback_on_time"] += count if on_time else 0
    for unit, count in session.execute(
        select(_occurrences.c.unit, func.count())
        .where(_occurrences.c.kind == "dossier.supplement_requested", _occurrences.c.key != "1",
               _occurrences.c.at >= start, _occurrences.c.at < end, *only(_occurrences.c.unit))
        .group_by(_occurrences.c.unit)
    ):
        result[unit]["counts"]["second_supplement"] += count
    in_period = (_ratings.c.submitted_at >= start, _ratings.c.submitted_at < end, _ratings.c.unit.is_not(None))
    if every_unit:  # a ranking needs only how many ratings and how many satisfied
        for unit, count, satisfied in session.execute(
            select(_ratings.c.unit, func.count(), func.sum(case((_ratings.c.overall >= 4, 1), else_=0)))
            .where(*in_period).group_by(_ratings.c.unit)
        ):
            result[unit]["ratings"] = (count, satisfied)
    else:
        for unit, overall in session.execute(
            select(_ratings.c.unit, _ratings.c.overall).where(*in_period, *only(_ratings.c.unit))
        ):
            result[unit]["rating_scores"].append(overall)
    for unit, codes in complaints(session, start, end, None if every_unit else units).items():
        result[unit]["complaints"] = codes
    if tasks is None:
        for row in session.execute(
            select(_task_facts.c.lead_unit, *TASK_VIEW_COLUMNS)
            .where(_task_facts.c.assigned_at < end, *only(_task_facts.c.lead_unit))
            .where(_task_facts.c.completed_at.is_(None) | (_task_facts.c.completed_at >= start))
        ):
            result[row[0]]["tasks"].append(TaskView(*row[1:]))
    figures = {}
    for unit in units:
        got = result[unit]
        counts = got["counts"]
        scores = got["rating_scores"]
        ratings, satisfied = got.get("ratings") or (len(scores), sum(1 for s in scores if s >= 4))
        figures[unit] = {
            "counts": counts,
            "rating_scores": scores,
            "figures": dict(
                complaints=len(got["complaints"]), ratings=ratings, ratings_satisfied=satisfied,
                tasks=(task_figures(got["tasks"], start, end, at) if tasks is None
                       else tasks.get(unit, _NO_TASKS)),
                feedback_handled=counts["feedback_handled"], feedback_on_time=counts["feedback_on_time"],
                feedback_overdue=counts["feedback.overdue"], explanations_requested=counts["explanation.requested"],
                explanations_missed=counts["explanation.missed"]),
        }
    return figures


_NO_TASKS = TaskFigures()  # a unit leading no task in the period


def survey_figures(session: Session, unit_code: str, months: list[Month]) -> list[dict]:
    """The unit's monthly satisfaction surveys of these months: dossiers returned, citizens invited, the
    ratings that answered (those naming a round of the month) and the response rate (None without invitations)."""
    wanted = [str(month) for month in months]
    rounds = session.execute(
        select(_survey_rounds.c.period, _survey_rounds.c.code, _survey_rounds.c.returned, _survey_rounds.c.invited)
        .where(_survey_rounds.c.unit == unit_code, _survey_rounds.c.period.in_(wanted))).all()
    if not rounds:
        return []
    answered = dict(session.execute(
        select(_ratings.c.survey_round, func.count())
        .where(_ratings.c.survey_round.in_([row.code for row in rounds])).group_by(_ratings.c.survey_round)).all())
    by_month: dict[str, dict] = {}
    for row in rounds:
        month = by_month.setdefault(row.period, {"period": row.period, "rounds": [], "returned": 0, "invited": 0,
                                                 "responses": 0})
        month["rounds"].append(row.code)
        month["returned"] += row.returned
        month["invited"] += row.invited
        month["responses"] += answered.get(row.code, 0)
    for month in by_month.values():
        month["rounds"].sort()
        month["response_rate"] = (round(month["responses"] / month["invited"], 4) if month["invited"] else None)
    return [by_month[period] for period in sorted(by_month)]


def complaints(session: Session, start: datetime, end: datetime, units: list[str] | None = None) -> dict[str, set]:
    """The dossiers of each unit (of `units`, or every unit) with a complaint or a dissatisfied rating (1–2)
    in [start, end): they count against the unit handling the dossier, whichever unit received the complaint."""
    only = [] if units is None else [_facts.c.unit.in_(units)]
    complaints: dict[str, set] = defaultdict(set)
    for unit, code in session.execute(
        select(_facts.c.unit, _facts.c.code).join(_occurrences, _occurrences.c.related == _facts.c.code)
        .where(_occurrences.c.kind == "feedback.received", _occurrences.c.at >= start, _occurrences.c.at < end,
               *only)
    ).all() + session.execute(
        select(_facts.c.unit, _facts.c.code).join(_ratings, _ratings.c.subject == _facts.c.code)
        .where(_ratings.c.subject_type == "dossier", _ratings.c.overall <= 2, _ratings.c.submitted_at >= start,
               _ratings.c.submitted_at < end, *only)
    ).all():
        complaints[unit].add(code)
    return complaints


def figure_counts(session: Session, periods: list[Period]) -> list[dict[str, tuple[int, ...]]]:
    """Every unit's FIGURE_COUNTERS summed over the months of each period (periods of whole months that do
    not overlap: a ranking's period and the one before), in one grouped query."""
    bounds = [(str(period.months()[0]), str(period.months()[-1])) for period in periods]
    which = case(*((_figure_months.c.period.between(first, last), place) for place, (first, last) in enumerate(bounds)),
                 else_=-1)
    rows = (select(_figure_months, which.label("which"))
            .where(or_(*(_figure_months.c.period.between(first, last) for first, last in bounds)))
            .subquery("rows"))
    counts: list[dict[str, tuple[int, ...]]] = [{} for _ in periods]
    for unit, place, *sums in session.execute(
            select(rows.c.unit, rows.c.which, *(func.sum(rows.c[name]) for name in FIGURE_COUNTERS))
            .group_by(rows.c.unit, rows.c.which)):
        counts[place][unit] = tuple(sums)
    return counts


def task_counters(session: Session, period: Period, tz, at: datetime) -> dict[str, TaskFigures]:
    """Every lead unit's task figures for a period of whole months (see task_counts)."""
    return {unit: task_figures_of(*entry) for unit, entry in task_counts(session, period, tz, at).items()}


def task_counts(session: Session, period: Period, tz, at: datetime) -> dict[str, list[int]]:
    """Every lead unit's [tasks in scope, completed on time, completed late, overdue open] for a period of
    whole months, from the month rows (`task_months`, `unit_tasks`): the same figures as judging each task
    (task_figures), without reading them.

    The rows judge the period at the end of its last month. A running period is judged now: the tasks with
    an instant between now and the month's end (completed, reported overdue, extended or due then) are
    judged both ways and the difference applied; tasks the rows do not count (bad data) are judged here."""
    months = period.months()
    start, end = period.start(tz), period.end(tz)
    # [tasks in scope, completed on time, completed late, overdue open] per unit: the totals, less the rows.
    counts: dict[str, list[int]] = {
        unit: [entered - left, 0, 0, overdue]
        for unit, entered, left, overdue in session.execute(
            select(_unit_tasks.c.unit, _unit_tasks.c.entered, _unit_tasks.c.left, _unit_tasks.c.overdue_change))}
    for unit, entered_after, left_from_first, on_time, late, overdue_after in session.execute(
            task_months_query(), {"first": str(months[0]), "last": str(months[-1])}):
        entry = counts.setdefault(unit, [0, 0, 0, 0])  # a unit's rows and totals are written together
        entry[0] += left_from_first - entered_after
        entry[1], entry[2] = on_time, late
        entry[3] -= overdue_after
    judged_here = _task_facts.c.in_counters == false()
    if at < end:
        judged_here = or_(judged_here, *(column.between(at, end) for column in (
            _task_facts.c.completed_at, _task_facts.c.due_at, _task_facts.c.overdue_detected_at,
            _task_facts.c.overdue_cleared_at)))
    places = {"on_time": 1, "late": 2, "overdue": 3}
    for unit, in_counters, *view in session.execute(
            select(_task_facts.c.lead_unit, _task_facts.c.in_counters, *TASK_VIEW_COLUMNS).where(judged_here)):
        task = TaskView(*view)
        entry = counts.setdefault(unit, [0, 0, 0, 0])
        now_standing = task_standing(task, start, end, at)
        if now_standing is not None and not in_counters:
            entry[0] += 1
        if now_standing in places:
            entry[places[now_standing]] += 1
        if in_counters:
            counted = task_standing(task, start, end, end)
            if counted in places:
                entry[places[counted]] -= 1
    return counts


def period_tallies(session: Session, period: Period, tz, at: datetime,
                    kind: str | None = None) -> list[UnitTally]:
    """Every unit's tally for a period: from the stored month rows for whole months, dossier by dossier
    for another range of days."""
    if period.month_aligned:
        months = period.months()
        return month_tallies(session, months[0], months[-1], kind)
    start, end = period.start(tz), period.end(tz)
    query = (select(_facts.c.unit, _units.c.name, _units.c.sort_key, _units.c.kind, *VIEW_COLUMNS)
             .join(_units, _units.c.code == _facts.c.unit)
             .where(_facts.c.received_at < end)
             .where(_facts.c.completed_at.is_(None) | (_facts.c.completed_at >= start)))
    if kind is not None:
        query = query.where(_units.c.kind == kind)
    tallies: dict[str, list] = {}
    for unit, name, sort_key, unit_kind, *view in session.execute(query):
        standing = standing_at(DossierView(*view), start, end, at)
        entry = tallies.setdefault(unit, [name, Tally(), sort_key, unit_kind])
        if standing is not None:
            entry[1] += standing
    return [UnitTally(unit, name, tally, sort_key, unit_kind)
            for unit, (name, tally, sort_key, unit_kind) in tallies.items()]


def month_tallies(session: Session, first: Month, last: Month, kind: str | None = None) -> list[UnitTally]:
    """Every unit's tally for the months `first` to `last`, with its name, in one query."""
    params = {"first": str(first), "last": str(last)}
    if kind is not None:
        params["kind"] = kind
    rows = session.execute(month_tallies_query(kind is not None), params).all()
    tallies = []
    for unit, name, sort_key, kind, within, overdue, early, on_time, late, within_after, overdue_after in rows:
        tally = month_tally(Tally(early or 0, on_time or 0, late or 0), Tally(open_within=within,
                                   open_overdue=overdue), Tally(open_within=within_after or 0,
                                                                open_overdue=overdue_after or 0))
        tallies.append(UnitTally(unit, name, tally, sort_key, kind))
    return tallies


