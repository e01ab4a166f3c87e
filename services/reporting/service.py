"""Use cases of the reporting service, each in one unit of work.

Projections take the event they project. Every event type reporting reads has its projections in one
registry (`PROJECTIONS`, filled by `@projection(...)`): the live consumer (handlers.py, app.py) and the
rebuild from the archive (`rebuild`) both go through `project_event`, so a rebuild replays exactly what
the consumer did. `project_event` archives the event once, in the same transaction as its effects.
Queries (`get_*`) return plain dicts.

Stored counters and rankings (rules in domain.month_changes and domain.month_tally):
- `scorecards` holds per-(unit, month) completions and changes of open standing, and `unit_open` each
  unit's open dossiers now. An event changes only the rows of the one dossier it concerns (a few
  months of its unit), so its cost does not grow with the number of dossiers;
- the tally of any run of whole months (month, quarter, year) is read in one query over those rows (one
  row per unit); a range of days that is not whole months is judged dossier by dossier;
- after the rows change, each month whose ranking can have moved, with its quarter and year, is re-ranked
  (all units, and each kind of unit) and compared with the ranking published for it; `ranking.updated`
  says which units' rank or score changed.

Within one transaction (a consumer's batch, a rebuild's batch) the facts read are kept in `uow.memo` and
the counters and occurrences written once at the commit (`_flush`), so a batch costs a few statements
per dossier rather than per event. The statements are Core, built once per dialect (`_Statements`).
A rebuild also keeps what it wrote between its batches (units, the keys of occurrences and ratings, the
dossier facts of the last two batches): it reads less back, and writes the rows it knows are new with plain
inserts of pre-serialised values (`_bulk_table`).
"""

from __future__ import annotations

import functools
import json
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Text,
    bindparam,
    case,
    cast,
    column,
    delete,
    false,
    func,
    or_,
    select,
    table,
    update,
)
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator

from services.reporting import cadence, documents, domain
from services.reporting.domain import Month, Period, Tally
from services.reporting.models import (
    ArchivedEvent,
    DossierFact,
    FigureMonth,
    IssuedReport,
    Occurrence,
    PublicSanction,
    PublishedRanking,
    Rating,
    Scorecard,
    TaskFact,
    TaskMonth,
    Unit,
    UnitOpen,
    UnitTasks,
)
from shared.db import UtcDateTime
from shared.errors import Conflict, InvalidInput, NotFound
from shared.events import catalog
from shared.events.envelope import Event
from shared.uow import UnitOfWork

SCORING_FILE = Path(__file__).with_name("scoring.json")
TASK_EVENTS = ("task.assigned", "task.completed", "task.overdue", "task.extension_decided")

_archive_table = ArchivedEvent.__table__
_units = Unit.__table__
_facts = DossierFact.__table__
_scorecards = Scorecard.__table__
_unit_open = UnitOpen.__table__
_rankings = PublishedRanking.__table__
_occurrences = Occurrence.__table__
_task_facts = TaskFact.__table__
_ratings = Rating.__table__
_task_months = TaskMonth.__table__
_unit_tasks = UnitTasks.__table__
_figure_months = FigureMonth.__table__
_MONTH_COLUMNS = ("completed_early", "completed_on_time", "completed_late", "open_within_change",
                  "open_overdue_change")
_UNIT_TASK_TOTALS = ("entered", "left", "overdue_change")  # the task_months counters a period reads as totals
# Every table a rebuild empties and fills again from the archive. Published rankings stay: they are what
# was published, and the rebuild's final re-ranking publishes only what really changed.
PROJECTION_TABLES = [_units, _facts, _scorecards, _unit_open, _occurrences, _task_facts, _task_months, _unit_tasks,
                     _ratings, _figure_months]

Projection = Callable[[UnitOfWork, Event], None]
PROJECTIONS: dict[str, list[Projection]] = defaultdict(list)


def projection(*event_types: str) -> Callable[[Projection], Projection]:
    """Register a projection of these event types (several projections of one type all run, in order)."""
    def register(function: Projection) -> Projection:
        for event_type in event_types:
            PROJECTIONS[event_type].append(function)
        return function
    return register


@functools.cache
def scoring_versions() -> tuple[domain.ScoringRules, ...]:
    with SCORING_FILE.open(encoding="utf-8") as file:
        return domain.scoring_rules_from_document(json.load(file))


# --------------------------------------------------------------------------- projections


def project_event(uow: UnitOfWork, event: Event) -> bool:
    """Apply an event through every projection registered for its type, and archive it, in one
    transaction: the consumer's handler, loaders and the rebuild all come here. Safe to repeat: every
    projection is idempotent. Returns False for a type reporting ignores."""
    functions = PROJECTIONS.get(event.type)
    if not functions:
        return False
    with uow:
        held = uow.hold_commits
        # The projections' own commits only flush: the event and all its effects commit together.
        uow.hold_commits = True
        try:
            if not uow.memo.get("replaying"):
                _archive(uow, event)
            for function in functions:
                function(uow, event)
        finally:
            uow.hold_commits = held
        uow.commit()
    return True


@projection("directory.unit_upserted")
def record_unit(uow: UnitOfWork, event: Event) -> None:
    """`directory.unit_upserted`: the unit's Vietnamese name, parent and kind (the newest event wins). A
    unit changing kind moves the current rankings by kind."""
    with uow:
        data = event.data
        _ensure_units(uow, [data["code"]])
        before = uow.session.execute(select(_units.c.kind).where(_units.c.code == data["code"])).scalar()
        moved = uow.session.execute(
            update(_units)
            .where(_units.c.code == data["code"])
            .where(_units.c.directory_event_at.is_(None) | (_units.c.directory_event_at <= event.time))
            .values(name=data["name"], parent=data.get("parent"), kind=data["kind"], directory_event_at=event.time,
                    sort_key=domain.unit_sort_key(data["code"], data["name"]))
        ).rowcount
        if moved and before != data["kind"]:
            _rerank_later(uow, Month.of(uow.now(), uow.calendar.tz).enclosing())
        uow.commit()


@projection(*domain.DOSSIER_STANDING_EVENTS)
def record_dossier_event(uow: UnitOfWork, event: Event) -> None:
    """Events that move where a dossier stands, in any order and any number of times: merge into the
    dossier's fact, move its unit's stored rows, re-rank the periods that can have moved."""
    with uow:
        tz = uow.calendar.tz
        for slot in domain.slots_from_event(event.type, event.data, event.time):
            before, after = _merge_fact(uow, event.data["code"], slot, event.data.get("procedure_code"))
            if after == before:
                continue
            if after.unit != before.unit:
                _ensure_units(uow, [after.unit])
            changes = domain.tally_changes(before, after, tz)
            _add_changes(uow, changes)
            if not uow.memo.get("replaying"):  # the rebuild re-ranks every period once, at its end
                _rerank_later(uow, [p for month in domain.months_to_rerank(changes.items(), Month.of(uow.now(), tz))
                                    for p in month.enclosing()])
        uow.commit()


@projection(*domain.OCCURRENCE_EVENTS)
def record_occurrence(uow: UnitOfWork, event: Event) -> None:
    """Lifecycle, discipline and feedback events: one occurrence per natural key (written at the commit)."""
    with uow:
        occurrence = domain.occurrence_from_event(event.type, event.data, event.time)
        if occurrence.unit:
            _ensure_units(uow, [occurrence.unit])
        pending = uow.memo.setdefault("occurrences", {})
        pending.setdefault((occurrence.kind, occurrence.subject, occurrence.key), {
            "kind": occurrence.kind, "subject": occurrence.subject, "key": occurrence.key, "unit": occurrence.unit,
            "at": occurrence.at, "official": occurrence.official, "step": occurrence.step,
            "on_time": occurrence.on_time, "related": occurrence.related, "detail": occurrence.detail})
        _flush_later(uow)
        uow.commit()


@projection(*TASK_EVENTS)
def record_task_event(uow: UnitOfWork, event: Event) -> None:
    """`task.assigned`, `task.completed`, `task.overdue`, `task.extension_decided`, in any order and any
    number of times: merge into the task's fact. Every unit the event names becomes known, so a unit seen
    only through its tasks has a scorecard."""
    with uow:
        data = event.data
        _ensure_units(uow, [data["lead_unit"], *data.get("co_units", [])])
        slot = domain.task_slot_from_event(event.type, data, event.time)
        if slot is not None:
            tz = uow.calendar.tz
            if "task_facts" in uow.memo:  # a rebuild's batch: facts prefetched, written at the commit
                before, after = _merge_task_fact_in_batch(uow, data["code"], slot)
            else:
                before, after = _merge_task_fact(uow.session, data["code"], slot, uow.now(), tz)
            if after != before:
                _add_task_changes(uow, domain.task_changes((before.view(), before.lead_unit),
                                                           (after.view(), after.lead_unit), tz))
        uow.commit()


@projection("rating.submitted")
def record_rating(uow: UnitOfWork, event: Event) -> None:
    """`rating.submitted`: counted once per rating code, in the month it was given."""
    with uow:
        data = event.data
        if data.get("unit"):
            _ensure_units(uow, [data["unit"]])
        month = Month.of(event.time, uow.calendar.tz)
        row = {"code": data["code"], "unit": data.get("unit"), "subject_type": data["subject_type"],
               "subject": data["subject"], "overall": data["overall"], "factors": data.get("factors") or {},
               "period": str(month), "submitted_at": event.time}
        if uow.memo.get("replaying"):
            # A rebuild writes the batch's ratings at the commit; the first copy of a code wins, as the insert's.
            uow.memo.setdefault("ratings", {}).setdefault(data["code"], row)
            _flush_later(uow)
            uow.commit()
            return
        inserted = uow.session.execute(_statements(uow.session).insert_rating, row).first()
        if inserted is not None and data.get("unit"):  # a copy of a rating already stored adds nothing
            _add_figure_counts(uow, data["unit"], month, domain.rating_figure_counts(data["overall"]))
        uow.commit()


# --------------------------------------------------------------------------- rebuild


def rebuild(runtime, batch_size: int = 2000, progress: Callable[[int, int], None] | None = None) -> dict:
    """Empty every projection and replay the archive in time order, in batches, through `project_event`;
    then re-rank every period once and publish `ranking.updated` only where the result differs from what
    was published. Stop the reporting worker first: events consumed during a rebuild would be counted on
    tables about to be emptied."""
    started = time.perf_counter()
    with runtime.uow() as uow:
        total = uow.session.scalar(select(func.count()).select_from(_archive_table))
        for table in PROJECTION_TABLES:
            uow.session.execute(delete(table))
        uow.commit()
    done = 0
    after: tuple | None = None
    # Units inserted by an earlier batch (committed): not inserted again by every batch.
    units_ensured: set[str] = set()
    # Likewise the natural keys of the occurrences and ratings written: a later copy is known to add nothing.
    occurrences_stored: set[tuple] = set()
    ratings_stored: set[str] = set()
    # The dossier facts the last two batches touched, as committed: a dossier's events span days, so most of
    # a batch's dossiers were in one of the two before it, and are not read back (and parsed) again.
    recent_facts: dict[str, domain.DossierFact] = {}
    last_touched: dict[str, domain.DossierFact] = {}
    if progress:
        progress(0, total)
    while True:
        with runtime.uow() as uow:
            query = select(_archive_table).order_by(_archive_table.c.time, _archive_table.c.event_id)
            if after is not None:
                query = query.where((_archive_table.c.time > after[0])
                                    | ((_archive_table.c.time == after[0]) & (_archive_table.c.event_id > after[1])))
            rows = uow.session.execute(query.limit(batch_size)).all()
            if not rows:
                break
            uow.memo["replaying"] = True
            uow.memo["units_ensured"] = units_ensured
            uow.memo["occurrences_stored"] = occurrences_stored
            uow.memo["ratings_stored"] = ratings_stored
            events = [_event_from_archive(row) for row in rows]
            _prefetch_facts(uow, {e.data.get("code") for e in events if e.type in domain.DOSSIER_STANDING_EVENTS},
                            recent_facts)
            _prefetch_task_facts(uow, {e.data.get("code") for e in events if e.type in TASK_EVENTS})
            # One transaction per batch, as the consumer does: the projections' commits only flush.
            uow.hold_commits = True
            for event in events:
                project_event(uow, event)
            uow.hold_commits = False
            uow.commit()
            touched = {code: entry[0] for code, entry in uow.memo.get("facts", {}).items()}
        recent_facts, last_touched = {**last_touched, **touched}, touched
        after = (rows[-1].time, rows[-1].event_id)
        done += len(rows)
        if progress:
            progress(done, total)
    with runtime.uow() as uow:
        months = [Month.parse(text) for text in uow.session.scalars(select(_scorecards.c.period).distinct())]
        current = Month.of(uow.now(), uow.calendar.tz)
        periods = {p for month in months if month <= current for p in month.enclosing()}
        for period in sorted(periods, key=lambda p: (p.first, p.last)):
            _refresh_rankings(uow, period)
        uow.commit()
    return {"events": done, "seconds": time.perf_counter() - started}


def _event_from_archive(row) -> Event:
    return Event(type=row.type, source=row.source, subject=row.subject, data=row.data, unit=row.unit,
                 id=row.event_id, time=row.time, correlationid=row.correlation_id, causationid=row.causation_id,
                 dataversion=row.data_version)


# --------------------------------------------------------------------------- queries


def _unit_row(session: Session, unit_code: str):
    unit = session.execute(select(_units.c.code, _units.c.name, _units.c.kind)
                           .where(_units.c.code == unit_code)).first()
    if unit is None:
        raise NotFound(
            f"no event has named unit {unit_code!r} yet; check the unit code (mã đơn vị)",
            {"unit": ["unknown unit; đơn vị chưa có dữ liệu"]},
        )
    return unit


def _exact_tally(session: Session, unit_code: str, start: datetime, end: datetime, at: datetime) -> Tally:
    tally = Tally()
    for row in session.execute(
        select(*_VIEW_COLUMNS).where(_facts.c.unit == unit_code, _facts.c.received_at < end)
        .where(_facts.c.completed_at.is_(None) | (_facts.c.completed_at >= start))
    ):
        standing = domain.standing_at(domain.DossierView(*row), start, end, at)
        if standing is not None:
            tally += standing
    return tally


def get_scorecard(uow: UnitOfWork, unit_code: str, period_text: str | None) -> dict[str, Any]:
    """A unit's scorecard for a period (month, quarter, year or range of days), computed exactly from its
    dossiers and the tasks it leads at the period's as-of instant, with the composite score and its band."""
    with uow:
        session = uow.session
        tz = uow.calendar.tz
        now = uow.now()
        period = domain.requested_period(period_text, now, tz)
        unit = _unit_row(session, unit_code)
        start, end = period.start(tz), period.end(tz)
        at = domain.as_of(period, now, tz)
        tally = _exact_tally(session, unit_code, start, end, at)
        formula = domain.formula_for(period)
        result = domain.progress(tally, formula)
        rules = domain.scoring_for(period, scoring_versions())
        other = _other_figures(session, [unit_code], start, end, at)[unit_code]
        figures = domain.UnitFigures(tally=tally, **other["figures"])
        scored = domain.composite(figures, rules)
        satisfaction = domain.satisfaction(other["rating_scores"])
        tasks = figures.tasks
        dossier_satisfaction = domain.dossier_satisfaction(tally, figures.complaints, rules)
        if dossier_satisfaction:
            dossier_satisfaction.pop("earned_share")
        counts = other["counts"]
        return {
            "unit": unit.code,
            "unit_name": unit.name,
            "unit_kind": unit.kind,
            "period": str(period),
            "period_kind": period.kind,
            "received": result.received,
            "early": result.early,
            "on_time": result.on_time,
            "finished_on_time": tally.completed_on_time,
            "late": result.late,
            "overdue_open": result.overdue_open,
            "open_within": result.open_within,
            "on_time_rate": result.on_time_rate,
            "score": result.score,
            "supplements": {"requests": counts["dossier.supplement_requested"],
                            "second_requests": counts["second_supplement"]},
            "returned_for_fault": counts["returned_for_fault"],
            "dossier_satisfaction": dossier_satisfaction,
            "explanations": counts["explanation.requested"],
            "proposals": counts["sanction.proposed"],
            "discipline": {"explanations_requested": counts["explanation.requested"],
                           "explanations_submitted": counts["explanation.submitted"],
                           "explanations_missed": counts["explanation.missed"],
                           "explanations_accepted": counts["explanation.accepted"],
                           "explanations_rejected": counts["explanation.rejected"],
                           "violations": counts["violation.recorded"],
                           "proposals": counts["sanction.proposed"],
                           "decisions": counts["sanction.decided"],
                           "dropped": counts["sanction.dropped"]},
            "feedback": {"received": counts["feedback.received"],
                         "handled": figures.feedback_handled,
                         "handled_on_time": figures.feedback_on_time,
                         "answered": counts["feedback.answered"],
                         "answered_on_time": counts["answered_on_time"],
                         "overdue": figures.feedback_overdue},
            "tasks": {
                "assigned": tasks.assigned,
                "completed_on_time": tasks.completed_on_time,
                "completed_late": tasks.completed_late,
                "overdue_open": tasks.overdue_open,
                "completion_rate": tasks.completion_rate,
                "formula": domain.task_rule_for(period).as_dict(),
            },
            "satisfaction": satisfaction,
            "composite": {
                "score": scored.score,
                "band": scored.band.as_dict() if scored.band else None,
                "components": scored.components,
                "rules": rules.as_dict(),
                "caveats": [c.as_dict() for c in domain.composite_caveats(scored.not_measured, rules)],
            },
            "figures": [dict(key=key, value=value, **domain.FIGURE_TEXTS[key],
                             drilldown=f"/reporting/api/v1/units/{unit.code}/scorecard/{key}?period={period}")
                        for key, value in (("received", result.received), ("early", result.early),
                                           ("finished_on_time", tally.completed_on_time), ("late", result.late),
                                           ("open_within", result.open_within),
                                           ("overdue_open", result.overdue_open),
                                           ("supplements", counts["dossier.supplement_requested"]),
                                           ("returned_for_fault", counts["returned_for_fault"]),
                                           ("tasks_late", tasks.completed_late),
                                           ("tasks_overdue", tasks.overdue_open),
                                           ("feedback_late", figures.feedback_handled - figures.feedback_on_time
                                            + figures.feedback_overdue),
                                           ("explanations", counts["explanation.requested"]),
                                           ("explanations_missed", counts["explanation.missed"]),
                                           ("proposals", counts["sanction.proposed"]),
                                           ("decisions", counts["sanction.decided"]))],
            "formula": formula.as_dict(),
            "caveats": [c.as_dict() for c in domain.scorecard_caveats()],
            "as_of": at,
        }


def _other_figures(session: Session, units: list[str], start: datetime, end: datetime, at: datetime, *,
                   every_unit: bool = False, tasks: dict[str, domain.TaskFigures] | None = None) -> dict[str, dict]:
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
        if kind in domain.FEEDBACK_STEPS:
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
    for unit, codes in _complaints(session, start, end, None if every_unit else units).items():
        result[unit]["complaints"] = codes
    if tasks is None:
        for row in session.execute(
            select(_task_facts.c.lead_unit, *_TASK_VIEW_COLUMNS)
            .where(_task_facts.c.assigned_at < end, *only(_task_facts.c.lead_unit))
            .where(_task_facts.c.completed_at.is_(None) | (_task_facts.c.completed_at >= start))
        ):
            result[row[0]]["tasks"].append(domain.TaskView(*row[1:]))
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
                tasks=(domain.task_figures(got["tasks"], start, end, at) if tasks is None
                       else tasks.get(unit, _NO_TASKS)),
                feedback_handled=counts["feedback_handled"], feedback_on_time=counts["feedback_on_time"],
                feedback_overdue=counts["feedback.overdue"], explanations_requested=counts["explanation.requested"],
                explanations_missed=counts["explanation.missed"]),
        }
    return figures


_NO_TASKS = domain.TaskFigures()  # a unit leading no task in the period


def _complaints(session: Session, start: datetime, end: datetime, units: list[str] | None = None) -> dict[str, set]:
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


def _figure_counts(session: Session, periods: list[Period]) -> list[dict[str, tuple[int, ...]]]:
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
            select(rows.c.unit, rows.c.which, *(func.sum(rows.c[name]) for name in domain.FIGURE_COUNTERS))
            .group_by(rows.c.unit, rows.c.which)):
        counts[place][unit] = tuple(sums)
    return counts


def _task_counters(session: Session, period: Period, tz, at: datetime) -> dict[str, domain.TaskFigures]:
    """Every lead unit's task figures for a period of whole months (see _task_counts)."""
    return {unit: domain.task_figures_of(*entry) for unit, entry in _task_counts(session, period, tz, at).items()}


def _task_counts(session: Session, period: Period, tz, at: datetime) -> dict[str, list[int]]:
    """Every lead unit's [tasks in scope, completed on time, completed late, overdue open] for a period of
    whole months, from the month rows (`task_months`, `unit_tasks`): the same figures as judging each task
    (domain.task_figures), without reading them.

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
            _task_months_query(), {"first": str(months[0]), "last": str(months[-1])}):
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
            select(_task_facts.c.lead_unit, _task_facts.c.in_counters, *_TASK_VIEW_COLUMNS).where(judged_here)):
        task = domain.TaskView(*view)
        entry = counts.setdefault(unit, [0, 0, 0, 0])
        now_standing = domain.task_standing(task, start, end, at)
        if now_standing is not None and not in_counters:
            entry[0] += 1
        if now_standing in places:
            entry[places[now_standing]] += 1
        if in_counters:
            counted = domain.task_standing(task, start, end, end)
            if counted in places:
                entry[places[counted]] -= 1
    return counts


def _period_tallies(session: Session, period: Period, tz, at: datetime,
                    kind: str | None = None) -> list[domain.UnitTally]:
    """Every unit's tally for a period: from the stored month rows for whole months, dossier by dossier
    for another range of days."""
    if period.month_aligned:
        months = period.months()
        return _month_tallies(session, months[0], months[-1], kind)
    start, end = period.start(tz), period.end(tz)
    query = (select(_facts.c.unit, _units.c.name, _units.c.sort_key, _units.c.kind, *_VIEW_COLUMNS)
             .join(_units, _units.c.code == _facts.c.unit)
             .where(_facts.c.received_at < end)
             .where(_facts.c.completed_at.is_(None) | (_facts.c.completed_at >= start)))
    if kind is not None:
        query = query.where(_units.c.kind == kind)
    tallies: dict[str, list] = {}
    for unit, name, sort_key, unit_kind, *view in session.execute(query):
        standing = domain.standing_at(domain.DossierView(*view), start, end, at)
        entry = tallies.setdefault(unit, [name, Tally(), sort_key, unit_kind])
        if standing is not None:
            entry[1] += standing
    return [domain.UnitTally(unit, name, tally, sort_key, unit_kind)
            for unit, (name, tally, sort_key, unit_kind) in tallies.items()]


def get_ranking(uow: UnitOfWork, period_text: str | None, page: int = 1, page_size: int = 50, *,
                kind: str | None = None, by: str = "progress") -> dict[str, Any]:
    """The ranking of units for a period, all units or one kind (department, ward, …), by the 766 progress
    score (`by="progress"`, from the stored rows) or by the composite score (`by="composite"`), with the
    change from the previous period, formula and caveats, one page."""
    if by not in ("progress", "composite"):
        raise InvalidInput(f"cannot rank by {by!r}; rank by progress or composite",
                           {"by": ["expected progress or composite"]})
    with uow:
        session = uow.session
        tz = uow.calendar.tz
        now = uow.now()
        period = domain.requested_period(period_text, now, tz)
        at = domain.as_of(period, now, tz)
        formula = domain.formula_for(period)
        rules = domain.scoring_for(period, scoring_versions())
        previous_period = period.previous()
        # The composite's month counts of both periods in one query (whole months only; a range of days
        # reads the occurrences and ratings themselves).
        counted = [p for p in (period, previous_period) if p.month_aligned] if by == "composite" else []
        figure_counts = dict(zip(counted, _figure_counts(session, counted), strict=True)) if counted else {}
        entries = _ranked(session, period, tz, at, kind, by, formula, rules, figure_counts.get(period))
        previous_rank = dict(_ranked(session, previous_period, tz, domain.as_of(previous_period, now, tz), kind, by,
                                     domain.formula_for(previous_period),
                                     domain.scoring_for(previous_period, scoring_versions()),
                                     figure_counts.get(previous_period), ranks_only=True))
        known = select(func.count()).select_from(_units)
        if kind is not None:
            known = known.where(_units.c.kind == kind)
        not_ranked = max(session.scalar(known) - len(entries), 0)
        first = (page - 1) * page_size
        items = []
        for entry in entries[first:first + page_size]:
            before = previous_rank.get(entry["unit"])
            items.append({**entry, "previous_rank": before,
                          "rank_change": None if before is None else before - entry["rank"]})
        caveats = domain.ranking_caveats(not_ranked)
        if by == "composite":
            caveats = [*caveats, *domain.composite_caveats([], rules)[1:]]
        return {
            "period": str(period),
            "period_kind": period.kind,
            "previous_period": str(previous_period),
            "unit_kind": kind,
            "ranked_by": by,
            "as_of": at,
            "formula": formula.as_dict(),
            "composite_rules": rules.as_dict() if by == "composite" else None,
            "caveats": [c.as_dict() for c in caveats],
            "units_not_ranked": not_ranked,
            "items": items,
            "page": page,
            "page_size": page_size,
            "total": len(entries),
        }


def _ranked(session: Session, period: Period, tz, at: datetime, kind: str | None, by: str,
            formula: domain.Formula, rules: domain.ScoringRules,
            figure_counts: dict[str, tuple[int, ...]] | None = None, *, ranks_only: bool = False) -> list:
    """The period's ranking entries, best first (`ranks_only`: just (unit, rank), as the previous period's
    ranking is read). `figure_counts`: the composite's month counts of the period (_figure_counts), for a
    period of whole months."""
    tallies = _period_tallies(session, period, tz, at, kind)
    if ranks_only:  # the scores alone, without the figures shown
        scores = {t.unit: domain.progress_score(t.tally, formula) for t in tallies}
        if by == "composite" and tallies:
            composites = _scores_by_composite(session, period, tz, at, tallies, rules, figure_counts)
            scores = {unit: composites[unit] if score is not None else None for unit, score in scores.items()}
        return domain.rank_by([(t.unit, t.name, scores[t.unit]) for t in tallies],
                              {t.unit: t.sort_key for t in tallies})[0]
    results = {t.unit: (t, domain.progress(t.tally, formula)) for t in tallies}
    composites: dict[str, Decimal | None] = {}
    if by == "composite" and results:
        composites = _scores_by_composite(session, period, tz, at, tallies, rules, figure_counts)
        # Rank only units with dossiers in the period, like the progress ranking.
        scores = [(u, t.name, composites[u] if p.score is not None else None) for u, (t, p) in results.items()]
    else:
        scores = [(u, t.name, p.score) for u, (t, p) in results.items()]
    ranks, _ = domain.rank_by(scores, {t.unit: t.sort_key for t in tallies})
    entries = []
    for unit, rank in ranks:
        tally, result = results[unit]
        score = composites[unit] if unit in composites else None
        entries.append({
            "unit": unit, "unit_name": tally.name, "unit_kind": tally.kind, "rank": rank,
            "score": score if unit in composites else result.score,
            "progress_score": result.score, "received": result.received, "early": result.early,
            "on_time": result.on_time, "late": result.late, "overdue_open": result.overdue_open,
            "on_time_rate": result.on_time_rate,
            "composite": score,
            "band": rules.band(score).as_dict() if score is not None else None,
        })
    return entries


def _scores_by_composite(session: Session, period: Period, tz, at: datetime, tallies: list[domain.UnitTally],
                         rules: domain.ScoringRules,
                         figure_counts: dict[str, tuple[int, ...]] | None) -> dict[str, Decimal | None]:
    """Every unit's composite score: from the stored counters for a period of whole months, from the
    occurrences and ratings themselves for another range of days."""
    if figure_counts is not None:
        return _composite_scores(session, period, tz, at, tallies, rules, figure_counts)
    tasks = _task_counters(session, period, tz, at) if period.month_aligned else None
    others = _other_figures(session, [t.unit for t in tallies], period.start(tz), period.end(tz), at,
                            every_unit=True, tasks=tasks)
    return {t.unit: domain.composite(domain.UnitFigures(tally=t.tally, **others[t.unit]["figures"]), rules,
                                     explain=False).score
            for t in tallies}


_NO_FIGURE_COUNTS = (0,) * len(domain.FIGURE_COUNTERS)
_NO_TASK_COUNTS = (0, 0, 0, 0)


def _composite_scores(session: Session, period: Period, tz, at: datetime, tallies: list[domain.UnitTally],
                      rules: domain.ScoringRules,
                      figure_counts: dict[str, tuple[int, ...]]) -> dict[str, Decimal | None]:
    """Every unit's composite score for a period of whole months, from the stored counters: the month counts
    of its explanations, feedback and ratings, its task counters, and its complaints (few, read as they are).
    The same score as its scorecard's (domain.composite), computed from plain counts."""
    tasks = _task_counts(session, period, tz, at)
    complaints = _complaints(session, period.start(tz), period.end(tz))
    full_marks_at = rules.full_marks_at
    weights_of = domain.weighing(rules)
    scores = {}
    for entry in tallies:
        unit, tally = entry.unit, entry.tally
        (explanations_requested, explanations_missed, feedback_handled, feedback_on_time, feedback_overdue, ratings,
         satisfied) = figure_counts.get(unit, _NO_FIGURE_COUNTS)
        assigned, _, tasks_late, tasks_overdue = tasks.get(unit, _NO_TASK_COUNTS)
        values = domain.component_percents(
            tally.received, tally.on_time, tally.completed_late + tally.open_overdue,
            len(complaints[unit]) if unit in complaints else 0, ratings, satisfied, assigned,
            tasks_late + tasks_overdue, feedback_handled + feedback_overdue, feedback_on_time,
            explanations_requested, explanations_missed, full_marks_at)
        scores[unit] = domain.composite_score(values, weights_of)
    return scores


def get_trend(uow: UnitOfWork, unit_code: str | None, periods: Iterable[str | Period]) -> list[dict]:
    """The on-time rate of a unit (exactly, as its scorecard) or of all units together (from the stored
    rows, as the ranking) in each period, for a trend chart."""
    trend = []
    with uow:
        session = uow.session
        tz = uow.calendar.tz
        now = uow.now()
        if unit_code is not None:
            _unit_row(session, unit_code)
        for item in periods:
            period = item if isinstance(item, Period) else domain.requested_period(item, now, tz)
            at = domain.as_of(period, now, tz)
            if unit_code is None:
                tally = sum((t.tally for t in _period_tallies(session, period, tz, at)), Tally())
            else:
                tally = _exact_tally(session, unit_code, period.start(tz), period.end(tz), at)
            result = domain.progress(tally, domain.formula_for(period))
            trend.append({"period": str(period), "received": result.received, "on_time": result.on_time,
                          "late": result.late, "overdue_open": result.overdue_open,
                          "on_time_rate": result.on_time_rate, "score": result.score})
    return trend


def get_drilldown(uow: UnitOfWork, unit_code: str, figure: str, period_text: str | None, page: int = 1,
                  page_size: int = 50) -> dict[str, Any]:
    """The facts behind one figure of a unit's scorecard: which dossiers (at which step, by whom, who was
    asked to explain and whether they did), tasks, feedback, explanations or sanctions."""
    if figure not in domain.FIGURE_TEXTS:
        raise NotFound(f"the scorecard has no figure {figure!r}; figures: {', '.join(domain.FIGURE_TEXTS)}",
                       {"figure": [f"expected one of {', '.join(domain.FIGURE_TEXTS)}"]})
    with uow:
        session = uow.session
        tz = uow.calendar.tz
        now = uow.now()
        period = domain.requested_period(period_text, now, tz)
        unit = _unit_row(session, unit_code)
        start, end = period.start(tz), period.end(tz)
        at = domain.as_of(period, now, tz)
        if figure in domain.DOSSIER_FIGURES:
            items = _dossier_items(session, unit_code, figure, start, end, at)
        elif figure in ("tasks_late", "tasks_overdue"):
            items = _task_items(session, unit_code, figure, start, end, at)
        else:
            items = _occurrence_items(session, unit_code, figure, start, end)
        first = (page - 1) * page_size
        return {"unit": unit.code, "unit_name": unit.name, "period": str(period), "figure": figure,
                **domain.FIGURE_TEXTS[figure], "as_of": at, "items": items[first:first + page_size],
                "page": page, "page_size": page_size, "total": len(items)}


def _dossier_items(session: Session, unit_code: str, figure: str, start: datetime, end: datetime,
                   at: datetime) -> list[dict]:
    rows = session.execute(
        select(_facts.c.code, _facts.c.procedure_code, _facts.c.late_reason, _facts.c.responsible_step,
               _facts.c.responsible_official, _facts.c.responsible_unit, _facts.c.overdue_step,
               _facts.c.overdue_official, *_VIEW_COLUMNS)
        .where(_facts.c.unit == unit_code, _facts.c.received_at < end)
        .where(_facts.c.completed_at.is_(None) | (_facts.c.completed_at >= start))
        .order_by(_facts.c.received_at, _facts.c.code)
    ).all()
    wanted = domain.DOSSIER_FIGURES[figure]
    chosen = []
    for row in rows:
        view = domain.DossierView(*row[8:])
        standing = domain.standing_at(view, start, end, at)
        if standing is None or (wanted and not getattr(standing, wanted)):
            continue
        late = figure in ("late", "overdue_open")
        chosen.append({
            "code": row.code, "procedure_code": row.procedure_code, "received_at": view.received_at,
            "due_at": view.due_at, "completed_at": view.completed_at if view.completed_at and view.completed_at < at
            else None, "timeliness": view.timeliness, "late_reason": row.late_reason,
            "step": (row.responsible_step or row.overdue_step) if late else None,
            "official": (row.responsible_official or row.overdue_official) if late else None,
            "responsible_unit": row.responsible_unit if late else None,
        })
    if figure in ("late", "overdue_open") and chosen:
        codes = [item["code"] for item in chosen]
        explanations = _explanations_about(session, codes)
        handovers = defaultdict(list)
        for row in session.execute(
            select(_occurrences.c.subject, _occurrences.c.at, _occurrences.c.step, _occurrences.c.official,
                   _occurrences.c.on_time, _occurrences.c.detail)
            .where(_occurrences.c.kind == "dossier.handed_over", _occurrences.c.subject.in_(codes))
            .order_by(_occurrences.c.at)
        ):
            handovers[row.subject].append({"at": row.at, "step": row.step, "official": row.official,
                                           "on_time": row.on_time, "to_step": row.detail.get("to_step"),
                                           "to_official": row.detail.get("to_official"),
                                           "used_days": row.detail.get("step_used_days"),
                                           "budget_days": row.detail.get("step_budget_days")})
        for item in chosen:
            item["explanations"] = explanations.get(item["code"], [])
            item["steps"] = handovers.get(item["code"], [])
    return chosen


def _explanations_about(session: Session, subjects: list[str]) -> dict[str, list[dict]]:
    """Who was asked to explain each subject and what became of it (submitted, missed, accepted …)."""
    requested = session.execute(
        select(_occurrences.c.subject, _occurrences.c.related, _occurrences.c.official, _occurrences.c.at,
               _occurrences.c.detail)
        .where(_occurrences.c.kind == "explanation.requested", _occurrences.c.related.in_(subjects))
        .order_by(_occurrences.c.at, _occurrences.c.subject)
    ).all()
    outcomes: dict[str, dict] = defaultdict(dict)
    if requested:
        for code, kind, at, on_time in session.execute(
            select(_occurrences.c.subject, _occurrences.c.kind, _occurrences.c.at, _occurrences.c.on_time)
            .where(_occurrences.c.subject.in_([r.subject for r in requested]),
                   _occurrences.c.kind.in_(["explanation.submitted", "explanation.missed", "explanation.accepted",
                                            "explanation.rejected"]))
        ):
            outcomes[code][kind.removeprefix("explanation.")] = {"at": at, "on_time": on_time}
    about = defaultdict(list)
    for row in requested:
        done = outcomes[row.subject]
        status = next((s for s in ("accepted", "rejected", "submitted", "missed") if s in done), "requested")
        about[row.related].append({"code": row.subject, "official": row.official, "role": row.detail.get("role"),
                                   "requested_at": row.at, "due_at": row.detail.get("due_at"), "status": status,
                                   "submitted_at": done.get("submitted", {}).get("at")})
    return about


def _task_items(session: Session, unit_code: str, figure: str, start: datetime, end: datetime,
                at: datetime) -> list[dict]:
    items = []
    for code, *view in session.execute(
        select(_task_facts.c.code, *_TASK_VIEW_COLUMNS)
        .where(_task_facts.c.lead_unit == unit_code, _task_facts.c.assigned_at < end)
        .where(_task_facts.c.completed_at.is_(None) | (_task_facts.c.completed_at >= start))
        .order_by(_task_facts.c.assigned_at, _task_facts.c.code)
    ):
        task = domain.TaskView(*view)
        figures = domain.task_figures([task], start, end, at)
        if (figure == "tasks_late" and figures.completed_late) or (figure == "tasks_overdue" and figures.overdue_open):
            items.append({"code": code, "received_at": task.assigned_at, "due_at": task.due_at,
                          "completed_at": task.completed_at, "timeliness": task.timeliness})
    explanations = _explanations_about(session, [item["code"] for item in items])
    for item in items:
        item["explanations"] = explanations.get(item["code"], [])
    return items


def _occurrence_items(session: Session, unit_code: str, figure: str, start: datetime, end: datetime) -> list[dict]:
    kinds, condition = domain.OCCURRENCE_FIGURES[figure]
    query = (select(_occurrences).where(_occurrences.c.unit == unit_code, _occurrences.c.kind.in_(kinds),
                                        _occurrences.c.at >= start, _occurrences.c.at < end)
             .order_by(_occurrences.c.at, _occurrences.c.subject))
    if condition == "late":
        query = query.where(_occurrences.c.on_time.is_(False))
    elif condition == "fault":
        query = query.where(_occurrences.c.on_time.is_(False))
    rows = session.execute(query).all()
    outcomes = _explanations_about(session, list({row.related for row in rows if row.related})) \
        if figure in ("explanations", "explanations_missed") else {}
    items = []
    for row in rows:
        item = {"code": row.subject, "kind": row.kind, "at": row.at, "official": row.official, "step": row.step,
                "on_time": row.on_time, "related": row.related, "detail": row.detail}
        if outcomes:
            item["status"] = next((e["status"] for e in outcomes.get(row.related, []) if e["code"] == row.subject),
                                  None)
        items.append(item)
    return items


# --------------------------------------------------------------------------- storage helpers


class _Statements:
    """The statements of the projection, built once per database dialect: building a statement and its
    cache key costs about as much as running it, and the projection runs hundreds of times a second."""

    def __init__(self, dialect: str):
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        self.archive = insert(_archive_table).on_conflict_do_nothing()
        self.ensure_unit = insert(_units).on_conflict_do_nothing()
        # RETURNING says which rows went in: only those add to the unit's month counts (figure_months).
        self.insert_occurrence = insert(_occurrences).on_conflict_do_nothing().returning(
            _occurrences.c.kind, _occurrences.c.subject, _occurrences.c.key)
        self.insert_rating = insert(_ratings).on_conflict_do_nothing().returning(_ratings.c.code)
        # A rebuild knows which rows are new (it keeps the keys it wrote): plain inserts, run as the driver's
        # executemany. RETURNING would make SQLAlchemy build one long multi-row statement per page, which
        # psycopg parses again every time (a sixth of the PostgreSQL rebuild's time).
        self.insert_occurrence_many = insert(_bulk_table(_occurrences, dialect))
        self.insert_rating_many = insert(_ratings)
        self.insert_task_fact_many = insert(_task_facts)
        self.lock_task_facts = (select(_task_facts.c.code, *(_task_facts.c[kind] for kind in domain.TASK_SLOTS))
                                .where(_task_facts.c.code.in_(bindparam("codes", expanding=True))).with_for_update())
        figure_month = insert(_figure_months)
        self.add_to_figure_month = figure_month.on_conflict_do_update(
            index_elements=["period", "unit"],
            set_={name: _figure_months.c[name] + figure_month.excluded[name] for name in domain.FIGURE_COUNTERS})
        slots = [_facts.c[name] for name in domain.DOSSIER_SLOTS]
        self.lock_fact = select(*slots).where(_facts.c.code == bindparam("fact_code")).with_for_update()
        self.lock_facts = (select(_facts.c.code, *slots).where(_facts.c.code.in_(bindparam("codes", expanding=True)))
                           .with_for_update())
        # RETURNING says whether the row went in: rowcount is -1 on this driver, which reads as "inserted"
        # and double-counts a dossier whose first two events two workers took at the same moment.
        self.insert_fact = insert(_facts).on_conflict_do_nothing().returning(_facts.c.code)
        bulk_facts = _bulk_table(_facts, dialect)
        self.insert_fact_many = insert(bulk_facts)
        # The columns set are the parameters' keys: the derived columns and the slots that changed.
        self.update_fact_many = update(bulk_facts).where(bulk_facts.c.code == bindparam("fact_code")).values(
            procedure_code=func.coalesce(bulk_facts.c.procedure_code, bindparam("procedure_code_if_missing")))
        month = insert(_scorecards)
        self.add_to_month = month.on_conflict_do_update(
            index_elements=["period", "unit"],
            set_={name: _scorecards.c[name] + month.excluded[name] for name in _MONTH_COLUMNS})
        unit_open = insert(_unit_open)
        self.add_to_open = unit_open.on_conflict_do_update(
            index_elements=["unit"],
            set_={name: _unit_open.c[name] + unit_open.excluded[name] for name in ("open_within", "open_overdue")})
        # Lock a period's ranking row of all units (creating it the first time), at once.
        ranking = insert(_rankings)
        self.lock_ranking = ranking.on_conflict_do_update(
            index_elements=["period", "unit_kind"], set_={"units_ranked": _rankings.c.units_ranked},
        ).returning(_rankings.c.entries)
        self.upsert_ranking = ranking.on_conflict_do_update(
            index_elements=["period", "unit_kind"],
            set_={name: ranking.excluded[name] for name in ("entries", "units_ranked", "changed_at")})
        self.lock_task_fact = (select(*(_task_facts.c[kind] for kind in domain.TASK_SLOTS))
                               .where(_task_facts.c.code == bindparam("fact_code")).with_for_update())
        self.insert_task_fact = insert(_task_facts).on_conflict_do_nothing().returning(_task_facts.c.code)
        self.update_task_fact = update(_task_facts).where(_task_facts.c.code == bindparam("fact_code"))
        task_month = insert(_task_months)
        self.add_to_task_month = task_month.on_conflict_do_update(
            index_elements=["period", "unit"],
            set_={name: _task_months.c[name] + task_month.excluded[name] for name in domain.TASK_COUNTERS})
        unit_tasks = insert(_unit_tasks)
        self.add_to_unit_tasks = unit_tasks.on_conflict_do_update(
            index_elements=["unit"],
            set_={name: _unit_tasks.c[name] + unit_tasks.excluded[name] for name in _UNIT_TASK_TOTALS})


class _JsonText(TypeDecorator):
    """JSON given as the text the caller serialised (json.dumps), cast by PostgreSQL."""

    impl = Text
    cache_ok = True

    def bind_expression(self, bindvalue):
        return cast(bindvalue, JSON)


def _bulk_table(model_table, dialect: str):
    """A table as the bulk writes see it, for the same rows as the JSON type and UtcDateTime would write
    without their step on every value (on PostgreSQL a quarter of the cost of writing a row): JSON columns
    take the text the caller serialised (what the JSON type writes: json.dumps, None as 'null'); on
    PostgreSQL an instant goes as it is (the column stores the instant, whatever the offset), on SQLite
    through UtcDateTime (stored as naive UTC)."""
    columns = []
    for model_column in model_table.columns:
        kind = model_column.type
        if isinstance(kind, JSON):
            kind = _JsonText() if dialect == "postgresql" else Text()
        elif isinstance(kind, UtcDateTime) and dialect == "postgresql":
            kind = DateTime(timezone=True)
        columns.append(column(model_column.name, kind))
    return table(model_table.name, *columns)


_VIEW_COLUMNS = (_facts.c.received_at, _facts.c.due_at, _facts.c.completed_at, _facts.c.timeliness,
                 _facts.c.overdue_detected_at, _facts.c.paused_since, _facts.c.marked_late_at)
_TASK_VIEW_COLUMNS = (_task_facts.c.assigned_at, _task_facts.c.due_at, _task_facts.c.completed_at,
                      _task_facts.c.timeliness, _task_facts.c.overdue_detected_at, _task_facts.c.overdue_cleared_at)


@functools.cache
def _month_tallies_query(with_kind: bool):
    """Every unit with dossiers, its name, what is open now, the completions of the months `:first` to
    `:last`, and the changes of open standing after `:last` (optionally only units of `:kind`)."""
    months = (
        select(_scorecards.c.unit,
               func.sum(_scorecards.c.completed_early).label("early"),
               func.sum(_scorecards.c.completed_on_time).label("on_time"),
               func.sum(_scorecards.c.completed_late).label("late"))
        .where(_scorecards.c.period >= bindparam("first"), _scorecards.c.period <= bindparam("last"))
        .group_by(_scorecards.c.unit)
        .subquery("months")
    )
    later = (
        select(_scorecards.c.unit,
               func.sum(_scorecards.c.open_within_change).label("within"),
               func.sum(_scorecards.c.open_overdue_change).label("overdue"))
        .where(_scorecards.c.period > bindparam("last"))
        .group_by(_scorecards.c.unit)
        .subquery("later")
    )
    query = (
        select(_unit_open.c.unit, _units.c.name, _units.c.sort_key, _units.c.kind, _unit_open.c.open_within,
               _unit_open.c.open_overdue, months.c.early, months.c.on_time, months.c.late, later.c.within,
               later.c.overdue)
        .select_from(
            _unit_open
            .outerjoin(months, months.c.unit == _unit_open.c.unit)
            .outerjoin(later, later.c.unit == _unit_open.c.unit)
            .outerjoin(_units, _units.c.code == _unit_open.c.unit)
        )
    )
    return query.where(_units.c.kind == bindparam("kind")) if with_kind else query


@functools.cache
def _task_months_query():
    """Every lead unit's month rows from `:first` on, summed: the tasks entered after `:last`, left from
    `:first` on, completed in `:first`..`:last`, and the changes of overdue tasks after `:last`. With the
    totals (`unit_tasks`) they give the figures of `:first`..`:last`, reading only recent rows."""
    later = _task_months.c.period > bindparam("last")

    def total(column, when):
        return func.sum(case((when, column), else_=0))

    return (select(_task_months.c.unit,
                   total(_task_months.c.entered, later).label("entered_after"),
                   func.sum(_task_months.c.left).label("left_from_first"),
                   total(_task_months.c.completed_on_time, ~later).label("on_time"),
                   total(_task_months.c.completed_late, ~later).label("late"),
                   total(_task_months.c.overdue_change, later).label("overdue_after"))
            .where(_task_months.c.period >= bindparam("first"))
            .group_by(_task_months.c.unit))


@functools.cache
def _statements_for(dialect: str) -> _Statements:
    return _Statements(dialect)


def _statements(session: Session) -> _Statements:
    return _statements_for(session.get_bind().dialect.name)


def _archive(uow: UnitOfWork, event: Event) -> None:
    """Keep the event for rebuilds. Rows are buffered and written in one statement when the transaction
    commits (a consumer's batch holds many events); a failed transaction keeps none of them."""
    rows = uow.memo.get("archive")
    if rows is None:
        rows = uow.memo["archive"] = []
        uow.defer("archive", functools.partial(_write_archive, uow))
    rows.append({
        "event_id": event.id,
        "type": event.type,
        "source": event.source,
        "subject": event.subject,
        "unit": event.unit,
        "time": event.time,
        "correlation_id": event.correlationid,
        "causation_id": event.causationid,
        "data_version": event.dataversion,
        "data": event.data,
        "archived_at": uow.now(),
    })


def _write_archive(uow: UnitOfWork) -> None:
    rows = uow.memo.pop("archive", [])
    if rows:
        uow.session.execute(_statements(uow.session).archive, rows)


def _ensure_units(uow: UnitOfWork, codes) -> None:
    known = uow.memo.setdefault("units_ensured", set())
    for code in codes:
        if code not in known:
            uow.session.execute(_statements(uow.session).ensure_unit, {
                "code": code, "first_seen_at": uow.now(), "sort_key": domain.unit_sort_key(code, None)})
            known.add(code)


def _flush_later(uow: UnitOfWork) -> None:
    uow.defer("flush", functools.partial(_flush, uow))


def _flush(uow: UnitOfWork) -> None:
    """Write what the transaction's projections buffered: changed dossier facts, month increments and
    open dossiers, occurrences. Always in the same order (facts by code, months, then units), so two
    workers never wait on each other in a cycle."""
    session = uow.session
    statements = _statements(session)
    facts = uow.memo.get("facts", {})
    new = sorted(uow.memo.pop("new_facts", ()))
    dirty = sorted(set(uow.memo.pop("dirty_facts", ())) - set(new))
    now = uow.now()
    if new:
        # Only a rebuild defers its inserts (nobody else writes meanwhile); written in their final state.
        session.execute(statements.insert_fact_many, [
            {"code": code, "procedure_code": facts[code][2], **_fact_scalars(facts[code][0], now),
             **_slot_params(facts[code][0], domain.DOSSIER_SLOTS)} for code in new])
    if dirty:
        # An event changes one or two of a fact's seven slots: only those are serialised and sent, one
        # statement per set of changed slots. (The rows were locked when read, so the order of the updates
        # adds no waiting between workers.)
        by_slots: dict[tuple[str, ...], list[dict]] = defaultdict(list)
        for code in dirty:
            fact, _, procedure_code, stored = facts[code]
            changed = tuple(kind for kind in domain.DOSSIER_SLOTS if getattr(fact, kind) != getattr(stored, kind))
            by_slots[changed].append({"fact_code": code, "procedure_code_if_missing": procedure_code,
                                      **_fact_scalars(fact, now), **_slot_params(fact, changed)})
        for _, rows in sorted(by_slots.items()):
            session.execute(statements.update_fact_many, rows)
    for code in (*new, *dirty):
        entry = facts[code]
        entry[1], entry[3] = False, entry[0]
    deltas: dict = uow.memo.pop("month_deltas", {})
    if deltas:
        open_by_unit: dict[str, Tally] = {}
        rows = []
        for (unit, month), delta in sorted(deltas.items(), key=lambda item: (item[0][1], item[0][0])):
            rows.append({"period": str(month), "unit": unit,
                         **dict(zip(_MONTH_COLUMNS, delta.as_tuple(), strict=True))})
            open_by_unit[unit] = open_by_unit.get(unit, Tally()) + delta.open_part()
        session.execute(statements.add_to_month, rows)
        # Written even when the change is zero: a unit's row there is what lists it in its months' rankings.
        session.execute(statements.add_to_open, [
            {"unit": unit, "open_within": delta.open_within, "open_overdue": delta.open_overdue}
            for unit, delta in sorted(open_by_unit.items())])
    task_deltas: dict = uow.memo.pop("task_deltas", {})
    if task_deltas:
        totals: dict[str, domain.TaskCounts] = {}
        rows = []
        for (unit, month), delta in sorted(task_deltas.items(), key=lambda item: (item[0][1], item[0][0])):
            rows.append({"period": str(month), "unit": unit,
                         **dict(zip(domain.TASK_COUNTERS, delta.as_tuple(), strict=True))})
            totals[unit] = totals.get(unit, domain.TaskCounts()) + delta
        session.execute(statements.add_to_task_month, rows)
        session.execute(statements.add_to_unit_tasks, [
            {"unit": unit, **{name: getattr(total, name) for name in _UNIT_TASK_TOTALS}}
            for unit, total in sorted(totals.items())])
    task_facts: dict = uow.memo.get("task_facts", {})
    new_tasks = sorted(code for code, entry in task_facts.items() if entry[1] == "new")
    dirty_tasks = sorted(code for code, entry in task_facts.items() if entry[1] == "dirty")
    if new_tasks:
        session.execute(statements.insert_task_fact_many, [
            {"code": code, **_task_fact_columns(task_facts[code][0], now, uow.calendar.tz)} for code in new_tasks])
    if dirty_tasks:
        session.execute(statements.update_task_fact, [
            {"fact_code": code, **_task_fact_columns(task_facts[code][0], now, uow.calendar.tz)}
            for code in dirty_tasks])
    for code in (*new_tasks, *dirty_tasks):
        task_facts[code][1] = None
    occurrences = uow.memo.pop("occurrences", {})
    if occurrences:
        tz = uow.calendar.tz
        stored = uow.memo.get("occurrences_stored")  # a rebuild's: the keys its earlier batches wrote
        if stored is None:
            new_keys = [tuple(key) for key in session.execute(statements.insert_occurrence,
                                                              [occurrences[key] for key in sorted(occurrences)])]
        else:
            new_keys = [key for key in sorted(occurrences) if key not in stored]
            if new_keys:
                rows = []
                for key in new_keys:
                    row = dict(occurrences[key])
                    row["detail"] = json.dumps(row["detail"])
                    rows.append(row)
                session.execute(statements.insert_occurrence_many, rows)
            stored.update(new_keys)
        for key in new_keys:
            row = occurrences[key]
            counts = domain.occurrence_figure_counts(row["kind"], row["on_time"])
            if counts is not None and row["unit"] is not None:
                _add_figure_counts(uow, row["unit"], Month.of(row["at"], tz), counts, flush=False)
    ratings = uow.memo.pop("ratings", {})
    if ratings:
        # Only a rebuild buffers ratings; it keeps the codes its earlier batches wrote.
        stored = uow.memo["ratings_stored"]
        new_codes = [code for code in sorted(ratings) if code not in stored]
        if new_codes:
            session.execute(statements.insert_rating_many, [ratings[code] for code in new_codes])
        stored.update(new_codes)
        for code in new_codes:
            row = ratings[code]
            if row["unit"]:  # a copy of a rating already stored adds nothing
                _add_figure_counts(uow, row["unit"], Month.parse(row["period"]),
                                   domain.rating_figure_counts(row["overall"]), flush=False)
    figure_deltas: dict = uow.memo.pop("figure_deltas", {})
    if figure_deltas:
        session.execute(statements.add_to_figure_month, [
            {"period": str(month), "unit": unit, **dict(zip(domain.FIGURE_COUNTERS, counts, strict=True))}
            for (unit, month), counts in sorted(figure_deltas.items(), key=lambda item: (item[0][1], item[0][0]))])


def _slot_to_json(slot) -> dict | None:
    if slot is None:
        return None
    return {name: value.isoformat() if isinstance(value, datetime) else value
            for name, value in vars(slot).items()}


def _slot_from_json(kind: str, document: dict | None, slot_types: dict[str, type] = domain.DOSSIER_SLOTS):
    if document is None:
        return None
    # Every instant of a slot is named *_at; the rest are codes and numbers.
    return slot_types[kind](**{name: datetime.fromisoformat(value) if name.endswith("_at") and value else value
                                for name, value in document.items()})


def _fact_from_row(code: str, row) -> domain.DossierFact:
    return domain.DossierFact(code, **{kind: _slot_from_json(kind, document)
                                       for kind, document in zip(domain.DOSSIER_SLOTS, row, strict=True)})


def _fact_columns(fact: domain.DossierFact, now: datetime) -> dict:
    columns = _fact_scalars(fact, now)
    columns.update({kind: _slot_to_json(slot) for kind, slot in fact.slots().items()})
    return columns


def _isoformat(value):
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} in a slot is not JSON serialisable")


# json.dumps(_slot_to_json(slot)) in one step: json.dumps's own settings, instants written as ISO 8601.
_encode_slot = json.JSONEncoder(default=_isoformat).encode


def _slot_params(fact: domain.DossierFact, kinds: Iterable[str]) -> dict[str, str]:
    """The slots `kinds` of a fact as the JSON text the bulk writes take (`_bulk_table`): what the JSON type
    would write for `_slot_to_json(slot)` (json.dumps; a missing slot as 'null')."""
    params = {}
    for kind in kinds:
        slot = getattr(fact, kind)
        params[kind] = "null" if slot is None else _encode_slot(vars(slot))
    return params


def _fact_scalars(fact: domain.DossierFact, now: datetime) -> dict:
    """A fact's columns other than its slots: the effective view and who is answerable."""
    view = fact.view()
    completion, overdue = fact.completion, fact.overdue
    columns = {
        "unit": fact.unit,
        "received_at": view.received_at,
        "due_at": view.due_at,
        "completed_at": view.completed_at,
        "timeliness": view.timeliness,
        "overdue_detected_at": view.overdue_detected_at,
        "paused_since": view.paused_since,
        "marked_late_at": view.marked_late_at,
        "late_reason": (completion.late_reason if completion else None)
                       or (fact.marked_late.reason if fact.marked_late else None),
        "responsible_step": completion.responsible_step if completion else None,
        "responsible_official": completion.responsible_official if completion else None,
        "responsible_unit": completion.responsible_unit if completion else None,
        "overdue_step": overdue.step if overdue else None,
        "overdue_official": overdue.official if overdue else None,
        "updated_at": now,
    }
    return columns


def _prefetch_facts(uow: UnitOfWork, codes: set, known: dict[str, domain.DossierFact] | None = None) -> None:
    """Load (and lock) the facts of many dossiers in one statement; codes not found are known to be new.
    `known`: facts as committed that a rebuild still holds (nobody else writes during a rebuild)."""
    codes.discard(None)
    if not codes:
        return
    facts = uow.memo.setdefault("facts", {})  # code -> [fact, dirty, procedure code, the fact as stored]
    missing = uow.memo.setdefault("facts_missing", set())
    for code in codes & known.keys() if known else ():
        facts.setdefault(code, [known[code], False, None, known[code]])
    wanted = sorted(code for code in codes if code not in facts)
    found = set()
    for start in range(0, len(wanted), 500):
        for code, *row in uow.session.execute(_statements(uow.session).lock_facts,
                                              {"codes": wanted[start:start + 500]}):
            fact = _fact_from_row(code, row)
            facts[code] = [fact, False, None, fact]
            found.add(code)
    missing.update(set(wanted) - found)


def _merge_fact(uow: UnitOfWork, code: str, slot: domain.Slot,
                procedure_code: str | None) -> tuple[domain.DossierFact, domain.DossierFact]:
    """Merge what an event says into the dossier's fact: locked and read once per transaction (created at
    once when new, so a second worker waits on it), written back at the commit."""
    session = uow.session
    statements = _statements(session)
    facts = uow.memo.setdefault("facts", {})
    entry = facts.get(code)
    missing = uow.memo.get("facts_missing", ())
    if entry is None and code in missing and uow.memo.get("replaying"):
        # A rebuild knows the fact is new (prefetched): insert it with the others at the commit.
        missing.discard(code)
        before = domain.DossierFact(code)
        after = before.merged(slot)
        facts[code] = [after, False, procedure_code, None]
        uow.memo.setdefault("new_facts", set()).add(code)
        _flush_later(uow)
        return before, after
    if entry is None:
        row = None if code in missing else session.execute(statements.lock_fact, {"fact_code": code}).first()
        if row is None:
            before = domain.DossierFact(code)
            after = before.merged(slot)
            inserted = session.execute(statements.insert_fact, {"code": code, "procedure_code": procedure_code,
                                                                **_fact_columns(after, uow.now())}).first()
            if inserted is not None:
                facts[code] = [after, False, procedure_code, after]
                return before, after
            # Another worker created it meanwhile: merge into theirs.
            row = session.execute(statements.lock_fact, {"fact_code": code}).first()
        fact = _fact_from_row(code, row)
        entry = facts[code] = [fact, False, None, fact]
    before = entry[0]
    after = before.merged(slot)
    if after != before:
        entry[0], entry[1] = after, True
        entry[2] = entry[2] or procedure_code
        uow.memo.setdefault("dirty_facts", set()).add(code)
        _flush_later(uow)
    return before, after


def _merge_task_fact(session: Session, code: str, slot: domain.TaskSlot, now: datetime,
                     tz) -> tuple[domain.TaskFact, domain.TaskFact]:
    """Lock the task's fact row (creating it if new) and merge what the event says into it; returns the
    fact before and after."""
    statements = _statements(session)
    row = session.execute(statements.lock_task_fact, {"fact_code": code}).first()
    if row is None:
        before = domain.TaskFact(code)
        fact = before.merged(slot)
        # RETURNING, not rowcount (-1 on psycopg): whether this insert made the row.
        if session.execute(statements.insert_task_fact,
                           {"code": code, **_task_fact_columns(fact, now, tz)}).first():
            return before, fact
        # Another worker created it meanwhile: merge into theirs.
        row = session.execute(statements.lock_task_fact, {"fact_code": code}).first()
    before = _task_fact_from_row(code, row)
    after = before.merged(slot)
    if after != before:
        session.execute(statements.update_task_fact, {"fact_code": code, **_task_fact_columns(after, now, tz)})
    return before, after


def _task_fact_from_row(code: str, row) -> domain.TaskFact:
    return domain.TaskFact(code, **{kind: _slot_from_json(kind, document, domain.TASK_SLOTS)
                                    for kind, document in zip(domain.TASK_SLOTS, row, strict=True)})


def _prefetch_task_facts(uow: UnitOfWork, codes: set) -> None:
    """A rebuild's batch: load (and lock) the facts of its tasks in one statement instead of one per event;
    the batch's projections then merge into them in memory and `_flush` writes the changed ones at once."""
    codes.discard(None)
    facts = uow.memo.setdefault("task_facts", {})  # code -> [fact, None | "new" | "dirty"]
    wanted = sorted(codes)
    for start in range(0, len(wanted), 500):
        for code, *row in uow.session.execute(_statements(uow.session).lock_task_facts,
                                              {"codes": wanted[start:start + 500]}):
            facts[code] = [_task_fact_from_row(code, row), None]
    for code in wanted:
        facts.setdefault(code, [None, "new"])


def _merge_task_fact_in_batch(uow: UnitOfWork, code: str,
                              slot: domain.TaskSlot) -> tuple[domain.TaskFact, domain.TaskFact]:
    entry = uow.memo["task_facts"][code]
    before = entry[0] if entry[0] is not None else domain.TaskFact(code)
    after = before.merged(slot)
    if after != before or entry[0] is None:
        entry[0] = after
        entry[1] = entry[1] or "dirty"
        _flush_later(uow)
    return before, after


def _task_fact_columns(fact: domain.TaskFact, now: datetime, tz) -> dict:
    view = fact.view()
    columns = {
        "in_counters": domain.counted_in_months(view, tz),
        "lead_unit": fact.lead_unit,
        "assigned_at": view.assigned_at,
        "due_at": view.due_at,
        "completed_at": view.completed_at,
        "timeliness": view.timeliness,
        "overdue_detected_at": view.overdue_detected_at,
        "overdue_cleared_at": view.overdue_cleared_at,
        "updated_at": now,
    }
    columns.update({kind: _slot_to_json(slot) for kind, slot in fact.slots().items()})
    return columns


def _add_changes(uow: UnitOfWork, changes: dict[tuple[str, Month], Tally]) -> None:
    """Add the increments to the transaction's month deltas (written at the commit)."""
    if not changes:
        return
    deltas = uow.memo.setdefault("month_deltas", {})
    for key, delta in changes.items():
        deltas[key] = deltas.get(key, Tally()) + delta
    _flush_later(uow)


def _add_task_changes(uow: UnitOfWork, changes: dict[tuple[str, Month], domain.TaskCounts]) -> None:
    """Add a task's increments to the transaction's task month deltas (written at the commit)."""
    if not changes:
        return
    deltas = uow.memo.setdefault("task_deltas", {})
    for key, delta in changes.items():
        deltas[key] = deltas.get(key, domain.TaskCounts()) + delta
    _flush_later(uow)


def _add_figure_counts(uow: UnitOfWork, unit: str, month: Month, counts: tuple[int, ...], flush: bool = True) -> None:
    """Add to the transaction's increments of a unit's month counts (figure_months, written at the commit)."""
    deltas = uow.memo.setdefault("figure_deltas", {})
    key = (unit, month)
    deltas[key] = domain.add_counts(deltas[key], counts) if key in deltas else counts
    if flush:
        _flush_later(uow)


def _month_tallies(session: Session, first: Month, last: Month, kind: str | None = None) -> list[domain.UnitTally]:
    """Every unit's tally for the months `first` to `last`, with its name, in one query."""
    params = {"first": str(first), "last": str(last)}
    if kind is not None:
        params["kind"] = kind
    rows = session.execute(_month_tallies_query(kind is not None), params).all()
    tallies = []
    for unit, name, sort_key, kind, within, overdue, early, on_time, late, within_after, overdue_after in rows:
        # domain.month_tally written out: one Tally per unit instead of four (a ranking reads a thousand rows).
        tally = Tally(early or 0, on_time or 0, late or 0, within - (within_after or 0), overdue - (overdue_after or 0))
        tallies.append(domain.UnitTally(unit, name, tally, sort_key, kind))
    return tallies


def _rerank_later(uow: UnitOfWork, periods: Iterable[Period]) -> None:
    if uow.memo.get("replaying"):
        return  # the rebuild re-ranks every period once, at its end
    for period in periods:
        # Once per transaction: a batch of events re-ranks each period it touched once.
        uow.defer(("rerank", str(period)), functools.partial(_refresh_rankings, uow, period))


def _refresh_rankings(uow: UnitOfWork, period: Period) -> None:
    """Re-rank a whole-month period, for all units and for each kind of unit; store each ranking and record
    `ranking.updated` where a rank or score moved."""
    _flush(uow)
    session = uow.session
    statements = _statements(session)
    key = str(period)
    # The period's row of all units is locked before its counters are read: the ranking stored last is
    # then always computed from everything committed before it, whichever worker stores it.
    session.execute(statements.lock_ranking, {"period": key, "unit_kind": "", "units_ranked": 0, "entries": {}})
    stored = {kind: {unit: (rank, Decimal(score)) for unit, (rank, score) in entries.items()}
              for kind, entries in session.execute(select(_rankings.c.unit_kind, _rankings.c.entries)
                                                   .where(_rankings.c.period == key))}
    months = period.months()
    tallies = _month_tallies(session, months[0], months[-1])
    formula = domain.formula_for(period)
    groups: dict[str, list] = {"": tallies}
    for entry in tallies:
        if entry.kind:
            groups.setdefault(entry.kind, []).append(entry)
    for kind in sorted(set(groups) | set(stored)):
        ranking = domain.rank_units(groups.get(kind, []), formula)
        change = domain.ranking_change(stored.get(kind, {}), ranking)
        if not change:
            continue
        session.execute(statements.upsert_ranking, {
            "period": key, "unit_kind": kind,
            "entries": {entry.unit: [entry.rank, str(entry.score)] for entry in ranking.ranked},
            "units_ranked": len(ranking.ranked), "changed_at": uow.now()})
        data = {"period": key, "changed": change.changed, "units_ranked": len(ranking.ranked)}
        if kind:
            data["unit_kind"] = kind
        uow.record("ranking.updated", key, data)


# -- reports and public lists
#
# Periodic reports stand on the rankings above, over the reporting windows of `cadence` (the 21st to the
# 20th): their figures are computed once, when issued, kept as a JSON snapshot with the XLSX and PDF made
# from it (`documents`), and served as issued whatever events arrive later. Re-issuing adds a version;
# versions are never changed. The public lists read the same rankings and `public_sanctions`, which only
# `sanction.decided` fills: a proposal never reaches them.

_EVERY_UNIT = 1_000_000  # a report lists every ranked unit on one page


# The public list is a projection like the others: a rebuild empties it and replays it from the archive.
PROJECTION_TABLES.append(PublicSanction.__table__)


@projection("sanction.decided")
def record_sanction_decided(uow: UnitOfWork, event: Event) -> None:
    """`sanction.decided`: the decision joins the public list of violators. The newest event about a decision
    wins, so a duplicate or an older copy arriving late changes nothing."""
    with uow:
        data = catalog.read(event.type, event.data)
        _ensure_units(uow, [data["unit"]])
        values = {
            "code": data["code"], "official": data["official"], "official_name": data.get("official_name"),
            "unit": data["unit"], "form": data["form"], "decided_at": data["decided_at"],
            "decided_on": data["decided_at"].astimezone(uow.calendar.tz).date(),
            "in_force_until": data["in_force_until"], "event_at": event.time,
        }
        table = PublicSanction.__table__
        statement = _dialect_insert(uow.session)(table).values(**values)
        uow.session.execute(statement.on_conflict_do_update(
            index_elements=["code"], set_={name: statement.excluded[name] for name in values if name != "code"},
            where=table.c.event_at < statement.excluded.event_at))
        uow.commit()


def issue_report(uow: UnitOfWork, kind: str, period_label: str, *, issued_by: str, reissue: bool = False,
                 reason: str | None = None) -> dict[str, Any]:
    """Issue a periodic report once its window is closed: compute its figures, make its XLSX and PDF, store
    them as version 1 (or the next version when `reissue`), record `report.issued`. Two transactions: the
    figures are read in the first, the files stored with the event in the second."""
    with uow:
        session = uow.session
        tz = uow.calendar.tz
        now = uow.now()
        period = cadence.report_period(kind, period_label)
        if not period.is_closed(now, tz):
            opens = f"{period.judged_at(tz):%H:%M %d/%m/%Y}"
            raise InvalidInput(
                f"the {kind} report {period.label} covers days up to {period.last_day.isoformat()} and can be "
                f"issued from {opens} (Hà Nội time), when its figures are cut off",
                {"period": [f"not closed until {opens}; kỳ báo cáo chưa kết thúc, chưa thể ban hành"]})
        latest = session.scalar(select(func.max(IssuedReport.version)).where(IssuedReport.code == period.code))
        if latest and not reissue:
            raise Conflict(
                f"report {period.code} was already issued (version {latest}); send reissue=true to issue "
                f"version {latest + 1}, which keeps version {latest}",
                {"reissue": [f"must be true to issue version {latest + 1}; báo cáo đã được ban hành"]})
        version = (latest or 0) + 1
        figures = _report_figures(uow, period)
        figures.update(version=version, issued_at=now.astimezone(tz).isoformat(), issued_by=issued_by,
                       reason=reason)
    # The files are made between the two transactions: rendering takes seconds, and SQLite would keep the
    # whole database locked for writers meanwhile.
    row = {
        "code": period.code, "version": version, "kind": kind, "period": period.label,
        "first_day": period.first_day, "last_day": period.last_day, "as_of": period.judged_at(tz),
        "issued_at": now, "issued_by": issued_by, "reason": reason, "figures": figures,
        "xlsx": documents.build_xlsx(figures), "pdf": documents.build_pdf(figures),
    }
    with uow:
        session = uow.session
        # Two issuers at the same moment (replicas of the sweep, two clicks): the first version stored wins.
        stored = session.execute(_dialect_insert(session)(IssuedReport.__table__).values(**row)
                                 .on_conflict_do_nothing().returning(IssuedReport.__table__.c.version)).first()
        if stored is None:
            raise Conflict(f"report {period.code} version {version} was issued by someone else a moment ago; "
                           "reload the list of reports", {"reissue": ["issued meanwhile; đã có người ban hành"]})
        uow.record("report.issued", period.code, {
            "code": period.code, "kind": kind, "period": period.label, "issued_at": now.isoformat(),
            "version": version})
        uow.commit()
        return _report_summary(row)


def reports_due(uow: UnitOfWork) -> list[tuple[str, str]]:
    """(kind, period) of the newest report of each kind that is due today and not issued yet."""
    with uow:
        today = uow.now().astimezone(uow.calendar.tz).date()
        due = cadence.due_reports(today)
        issued = set(uow.session.scalars(
            select(IssuedReport.code).where(IssuedReport.code.in_([period.code for period in due]))))
        return [(period.kind, period.label) for period in due if period.code not in issued]


def list_reports(uow: UnitOfWork, kind: str | None, period: str | None, page: int, page_size: int) -> dict:
    """Issued reports, every version, newest first (without their files)."""
    with uow:
        table = IssuedReport.__table__
        columns = [c for c in table.c if c.name not in ("xlsx", "pdf")]
        query = select(*columns, func.length(table.c.xlsx).label("xlsx_bytes"),
                       func.length(table.c.pdf).label("pdf_bytes"))
        if kind:
            query = query.where(table.c.kind == kind)
        if period:
            query = query.where(table.c.period == period)
        total = uow.session.scalar(select(func.count()).select_from(query.subquery()))
        rows = uow.session.execute(query.order_by(table.c.issued_at.desc(), table.c.code, table.c.version.desc())
                                   .limit(page_size).offset((page - 1) * page_size)).mappings().all()
        return {"items": [_report_summary(row) for row in rows], "page": page, "page_size": page_size,
                "total": total}


def get_report_file(uow: UnitOfWork, code: str, file_format: str, version: int | None) -> dict[str, Any]:
    """One file of an issued report, as issued: the newest version unless one is asked for."""
    with uow:
        table = IssuedReport.__table__
        query = select(table.c.code, table.c.version, table.c.issued_at, table.c[file_format].label("content"))
        query = query.where(table.c.code == code)
        if version is not None:
            query = query.where(table.c.version == version)
        row = uow.session.execute(query.order_by(table.c.version.desc()).limit(1)).first()
        if row is None:
            versions = uow.session.scalars(select(table.c.version).where(table.c.code == code)).all()
            if versions:
                raise NotFound(f"report {code} has no version {version}; its versions are "
                               f"{', '.join(map(str, sorted(versions)))}",
                               {"version": [f"expected one of {sorted(versions)}; không có phiên bản này"]})
            raise NotFound(f"no report {code} has been issued; check the code (BC-2026-11, BC-2026-Q4, "
                           "BC-2026-W47) or issue it with POST /reports",
                           {"code": ["no such report; báo cáo chưa được ban hành"]})
        return {"code": row.code, "version": row.version, "issued_at": row.issued_at, "content": row.content,
                "filename": f"{row.code}-v{row.version}.{file_format}"}


def public_ranking(uow: UnitOfWork, period: str | None, kind: str | None, by: str, page: int, page_size: int,
                   lang: str) -> dict[str, Any]:
    """The public ranking: ranks and scores with the formula and its caveats in one language."""
    ranking = get_ranking(uow, period, page, page_size, kind=kind, by=by)
    return {
        "period": ranking["period"], "kind": kind, "ranked_by": by, "lang": lang, "as_of": ranking["as_of"],
        "formula": _formula_in(ranking["formula"], lang),
        "composite_rules": _composite_in(ranking["composite_rules"], lang),
        "caveats": [{"code": c["code"], "text": c[lang]} for c in ranking["caveats"]],
        "units_not_ranked": ranking["units_not_ranked"],
        "items": [_public_item(item, lang) for item in ranking["items"]],
        "page": ranking["page"], "page_size": ranking["page_size"], "total": ranking["total"],
    }


def good_performers(uow: UnitOfWork, period: str | None, kind: str | None, lang: str) -> dict[str, Any]:
    """Units in the top band of the period's ranking (the public list of good performers)."""
    ranking = get_ranking(uow, period, 1, _EVERY_UNIT, kind=kind, by="composite")
    items = [_public_item(item, lang) for item in ranking["items"]]
    bands = (ranking["composite_rules"] or {}).get("bands") or []
    top = bands[0] if bands else None  # the rules list their bands best first
    return {
        "period": ranking["period"], "kind": kind, "lang": lang, "as_of": ranking["as_of"],
        "rule": cadence.good_performer_rule(top, lang),
        "formula": _formula_in(ranking["formula"], lang),
        "composite_rules": _composite_in(ranking["composite_rules"], lang),
        "caveats": [{"code": c["code"], "text": c[lang]} for c in ranking["caveats"]],
        "items": [item for item in items if cadence.is_good_performer(item, top)],
    }


def public_violators(uow: UnitOfWork, year: int | None, page: int, page_size: int, lang: str) -> dict[str, Any]:
    """Disciplinary decisions taken in a year (Hà Nội time), newest first: name, unit, form, date."""
    with uow:
        tz = uow.calendar.tz
        this_year = uow.now().astimezone(tz).year
        year = this_year if year is None else year
        if not 2000 <= year <= this_year:
            raise InvalidInput(f"year {year} is outside the years with decisions (2000 to {this_year})",
                               {"year": [f"expected 2000 to {this_year}; năm không hợp lệ"]})
        table = PublicSanction.__table__
        query = (select(table.c.code, table.c.official_name, table.c.unit, _units.c.name.label("unit_name"),
                        table.c.form, table.c.decided_on, table.c.in_force_until)
                 .select_from(table.outerjoin(_units, _units.c.code == table.c.unit))
                 .where(table.c.decided_on >= date(year, 1, 1), table.c.decided_on <= date(year, 12, 31)))
        total = uow.session.scalar(select(func.count()).select_from(query.subquery()))
        rows = uow.session.execute(query.order_by(table.c.decided_on.desc(), table.c.code)
                                   .limit(page_size).offset((page - 1) * page_size)).all()
        return {
            "year": year, "lang": lang,
            "notes": [{"code": note["code"], "text": note[lang]} for note in cadence.VIOLATORS_NOTES],
            "items": [{"decision": row.code, "official_name": row.official_name, "unit": row.unit,
                       "unit_name": row.unit_name, "form": row.form,
                       "form_label": cadence.sanction_form_label(row.form, lang), "decided_on": row.decided_on,
                       "in_force_until": row.in_force_until} for row in rows],
            "page": page, "page_size": page_size, "total": total,
        }


def _dialect_insert(session: Session):
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def _plain(value):
    """JSON-ready: the snapshot of an issued report is stored as JSON and must read back the same."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def _public_item(item: dict, lang: str) -> dict:
    band = item.get("band")
    return {**_plain(item), "unit_kind_label": cadence.unit_kind_label(item.get("unit_kind"), lang) or None,
            "band": {"code": band["code"], "label": band[lang]} if band else None}


def _formula_in(formula: dict, lang: str) -> dict:
    return {"id": formula["id"], "version": formula["version"], "effective_from": formula["effective_from"],
            "max_points": formula.get("max_points"), "expression": formula["expression"],
            "text": formula[lang], "not_measured": formula.get(f"not_measured_{lang}")}


def _composite_in(rules: dict | None, lang: str) -> dict | None:
    if rules is None:
        return None
    return {"id": rules["id"], "version": rules["version"], "effective_from": rules["effective_from"],
            "expression": rules["expression"], "text": rules[lang],
            "bands": [{"code": b["code"], "min": b["min"], "label": b[lang]} for b in rules["bands"]]}


def _issuer(session: Session) -> str:
    """The authority at the head of the report: the root of the directory (the province or city) when there
    is exactly one, named as its People's Committee."""
    roots = session.scalars(select(_units.c.name).where(_units.c.parent.is_(None), _units.c.name.is_not(None),
                                                        _units.c.kind.in_(cadence.ROOT_KINDS))).all()
    return cadence.issuer_name(roots[0] if len(roots) == 1 else None)


def _report_figures(uow: UnitOfWork, period: cadence.ReportPeriod) -> dict[str, Any]:
    """Everything a report says, computed now from the projections, as a JSON-ready snapshot."""
    session = uow.session
    tz = uow.calendar.tz
    figures = {
        "code": period.code, "kind": period.kind, "period": period.label, "title": period.title_vi,
        "title_en": period.title_en, "issuer": _issuer(session),
        "window": {"first_day": period.first_day.isoformat(), "last_day": period.last_day.isoformat(),
                   "text": period.window_vi},
        "as_of": period.judged_at(tz).isoformat(),
    }
    if period.kind == "weekly_tasks":
        figures.update(_monday_list(uow, period))
        return figures
    ranking = get_ranking(uow, period.ranking_period, 1, _EVERY_UNIT)
    items = [dict(_plain(item), kind_label=cadence.unit_kind_label(item.get("unit_kind")))
             for item in ranking["items"]]
    windows = cadence.trend_windows(period)
    trend = [cadence.trend_point(window, point["received"], point["on_time"])
             for window, point in zip(windows, get_trend(uow, None, [w.ranking_period for w in windows]), strict=True)]
    figures.update(
        ranking={"items": items, "formula": _plain(ranking["formula"]),
                 "units_not_ranked": ranking["units_not_ranked"]},
        summary=cadence.summary(items),
        late_units=cadence.units_with_late_dossiers(items),
        trend=trend,
        notes=[{"code": c["code"], "vi": c["vi"], "en": c["en"]} for c in _plain(ranking["caveats"])],
    )
    return figures


def _monday_list(uow: UnitOfWork, period: cadence.ReportPeriod) -> dict[str, Any]:
    """The tasks due by the end of the week and not reported, judged at 00:00 on the Monday, from the task
    facts and their progress reports (occurrences of `task.progress_reported`); titles from the archived
    assignment events."""
    session = uow.session
    tz = uow.calendar.tz
    judged_at = period.judged_at(tz)
    facts = session.execute(
        select(_task_facts.c.code, _task_facts.c.lead_unit, _task_facts.c.due_at, _task_facts.c.completed_at)
        .where(_task_facts.c.assigned_at < judged_at, _task_facts.c.due_at < judged_at + timedelta(days=7))
        .where(_task_facts.c.completed_at.is_(None) | (_task_facts.c.completed_at >= judged_at))
    ).all()
    codes = [fact.code for fact in facts]
    archive = ArchivedEvent.__table__
    last_reports = dict(session.execute(
        select(_occurrences.c.subject, func.max(_occurrences.c.at))
        .where(_occurrences.c.kind == "task.progress_reported", _occurrences.c.subject.in_(codes),
               _occurrences.c.at < judged_at)
        .group_by(_occurrences.c.subject)).all()) if codes else {}
    titles: dict[str, dict] = {}
    if codes:
        for subject, data in session.execute(
                select(archive.c.subject, archive.c.data)
                .where(archive.c.type == "task.assigned", archive.c.subject.in_(codes))
                .order_by(archive.c.time)):
            titles[subject] = data  # the newest assignment event last
    names = dict(session.execute(select(_units.c.code, _units.c.name)).all())
    tasks = [cadence.TaskLine(fact.code, fact.lead_unit, fact.due_at, fact.completed_at, last_reports.get(fact.code))
             for fact in facts]
    rows = cadence.task_rows(tasks, titles, names, period, tz)
    by_unit = cadence.tasks_by_unit(rows)
    return {
        "tasks": rows,
        "tasks_by_unit": by_unit,
        "task_summary": {"total": len(rows), "overdue": sum(r["status"] == "overdue" for r in rows),
                         "due_this_week": sum(r["status"] == "due_this_week" for r in rows), "units": len(by_unit)},
        "notes": cadence.MONDAY_LIST_NOTES,
    }


def _report_summary(row) -> dict[str, Any]:
    figures = row["figures"]
    return {
        "code": row["code"], "version": row["version"], "kind": row["kind"], "period": row["period"],
        "title": figures["title"], "window": figures["window"]["text"], "first_day": row["first_day"],
        "last_day": row["last_day"], "as_of": row["as_of"], "issued_at": row["issued_at"],
        "issued_by": row["issued_by"], "reason": row["reason"],
        "xlsx_bytes": row["xlsx_bytes"] if "xlsx_bytes" in row else len(row["xlsx"]),
        "pdf_bytes": row["pdf_bytes"] if "pdf_bytes" in row else len(row["pdf"]),
    }
