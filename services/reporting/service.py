"""Use cases of the reporting service, each in one unit of work.

Projections (`record_*`) take the event they project: reporting is built from events, and the archive
keeps each one whole, in the same transaction as its effects, so the read models can be rebuilt later.
Queries (`get_*`) return plain dicts.

Stored counters and rankings (rules in domain.month_changes and domain.month_tally):
- `scorecards` holds per-(unit, month) completions and changes of open standing, and `unit_open` each
  unit's open dossiers now. An event changes only the rows of the one dossier it concerns (a few
  months of its unit), so its cost does not grow with the number of dossiers;
- a month's ranking is read in one query over those rows (one row per unit), sorted in Python;
- after the rows change, each month whose ranking can have moved is re-ranked and compared with the
  ranking stored for it; `ranking.updated` says which units' rank or score changed.

Tasks keep only a per-task fact (`task_facts`); a scorecard's task figures are computed from a unit's
facts at request time, and no ranking moves with them (the composite score is a later change).

The projection runs Core statements built once per dialect (`_Statements`): at hundreds of events a
second, building statements and ORM objects would cost more than the database work.
"""

from __future__ import annotations

import functools
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, bindparam, func, select, update
from sqlalchemy.orm import Session

from services.reporting import domain
from services.reporting.domain import Period, Tally
from services.reporting.models import (
    ArchivedEvent,
    DisciplineFact,
    DossierFact,
    RankingPeriod,
    Rating,
    Scorecard,
    TaskFact,
    Unit,
    UnitOpen,
)
from shared.errors import NotFound
from shared.events.envelope import Event
from shared.uow import UnitOfWork

DOSSIER_EVENTS = ("dossier.received", "dossier.completed", "dossier.overdue")
DISCIPLINE_KINDS = {"explanation.requested": "explanation", "sanction.proposed": "proposal"}
TASK_EVENTS = ("task.assigned", "task.completed", "task.overdue", "task.extension_decided")

_archive_table = ArchivedEvent.__table__
_units = Unit.__table__
_facts = DossierFact.__table__
_scorecards = Scorecard.__table__
_unit_open = UnitOpen.__table__
_ranking_periods = RankingPeriod.__table__
_discipline = DisciplineFact.__table__
_task_facts = TaskFact.__table__
_SLOT_TYPES = {"receipt": domain.Receipt, "completion": domain.Completion, "overdue": domain.OverdueNotice}
_MONTH_COLUMNS = ("completed_early", "completed_on_time", "completed_late", "open_within_change",
                  "open_overdue_change")


# --------------------------------------------------------------------------- projections


def record_unit(uow: UnitOfWork, event: Event) -> None:
    """`directory.unit_upserted`: the unit's Vietnamese name, parent and kind (the newest event wins)."""
    with uow:
        _archive(uow, event)
        data = event.data
        _ensure_units(uow, [data["code"]])
        uow.session.execute(
            update(_units)
            .where(_units.c.code == data["code"])
            .where(_units.c.directory_event_at.is_(None) | (_units.c.directory_event_at <= event.time))
            .values(name=data["name"], parent=data.get("parent"), kind=data["kind"], directory_event_at=event.time)
        )
        uow.commit()


def record_dossier_event(uow: UnitOfWork, event: Event) -> None:
    """`dossier.received`, `dossier.completed`, `dossier.overdue`, in any order and any number of times:
    merge into the dossier's fact, move its unit's stored rows, re-rank the months that can have moved."""
    with uow:
        _archive(uow, event)
        session = uow.session
        tz = uow.calendar.tz
        now = uow.now()
        slot = domain.slot_from_event(event.type, event.data, event.time)
        before, after = _merge_fact(session, event.data["code"], slot, event.data.get("procedure_code"), now)
        if after != before:
            if after.unit != before.unit:
                _ensure_units(uow, [after.unit])
            changes = domain.tally_changes(before, after, tz)
            _add_changes(session, changes)
            for period in domain.months_to_rerank(changes.items(), Period.of(now, tz)):
                # Once per transaction: a batch of events re-ranks each month it touched once.
                uow.defer(("rerank", str(period)), functools.partial(_refresh_ranking, uow, period))
        uow.commit()


def record_discipline_event(uow: UnitOfWork, event: Event) -> None:
    """`explanation.requested`, `sanction.proposed`: counted once per code in the month they were made.
    They do not enter the progress score, so no ranking moves."""
    with uow:
        _archive(uow, event)
        data = event.data
        _ensure_units(uow, [data["unit"]])
        uow.session.execute(_statements(uow.session).count_discipline, {
            "kind": DISCIPLINE_KINDS[event.type],
            "code": data["code"],
            "unit": data["unit"],
            "period": str(Period.of(event.time, uow.calendar.tz)),
            "occurred_at": event.time,
        })
        uow.commit()


def record_task_event(uow: UnitOfWork, event: Event) -> None:
    """`task.assigned`, `task.completed`, `task.overdue`, `task.extension_decided`, in any order and any
    number of times: merge into the task's fact. Every unit the event names becomes known, so a unit seen
    only through its tasks has a scorecard."""
    with uow:
        _archive(uow, event)
        data = event.data
        _ensure_units(uow, [data["lead_unit"], *data.get("co_units", [])])
        slot = domain.task_slot_from_event(event.type, data, event.time)
        if slot is not None:
            _merge_task_fact(uow.session, data["code"], slot, uow.now())
        uow.commit()


def project_event(uow: UnitOfWork, event: Event) -> bool:
    """Apply any event reporting understands, outside the broker (loaders, rebuilds from the archive).
    Safe to repeat: every projection is idempotent. Returns False for a type reporting ignores."""
    if event.type == "directory.unit_upserted":
        record_unit(uow, event)
    elif event.type in DOSSIER_EVENTS:
        record_dossier_event(uow, event)
    elif event.type == "rating.submitted":
        record_rating(uow, event)
    elif event.type in DISCIPLINE_KINDS:
        record_discipline_event(uow, event)
    elif event.type in TASK_EVENTS:
        record_task_event(uow, event)
    else:
        return False
    return True


# --------------------------------------------------------------------------- queries


def record_rating(uow: UnitOfWork, event: Event) -> None:
    """`rating.submitted`: counted once per rating code, in the month it was given."""
    with uow:
        _archive(uow, event)
        data = event.data
        if data.get("unit"):
            _ensure_units(uow, [data["unit"]])
        if uow.session.get(Rating, data["code"]) is None:
            uow.session.add(Rating(
                code=data["code"], unit=data.get("unit"), subject_type=data["subject_type"], subject=data["subject"],
                overall=data["overall"], factors=data.get("factors") or {},
                period=str(Period.of(event.time, uow.calendar.tz)), submitted_at=event.time))
        uow.commit()


def get_scorecard(uow: UnitOfWork, unit_code: str, period_text: str | None) -> dict[str, Any]:
    """A unit's scorecard for a month, computed exactly from its dossiers and the tasks it leads at the
    period's as-of instant."""
    with uow:
        session = uow.session
        tz = uow.calendar.tz
        now = uow.now()
        period = domain.requested_period(period_text, now, tz)
        unit = session.execute(select(_units.c.code, _units.c.name).where(_units.c.code == unit_code)).first()
        if unit is None:
            raise NotFound(
                f"no event has named unit {unit_code!r} yet; check the unit code (mã đơn vị)",
                {"unit": ["unknown unit; đơn vị chưa có dữ liệu"]},
            )
        start, end = period.start(tz), period.end(tz)
        at = domain.as_of(period, now, tz)
        rows = session.execute(
            select(_facts.c.received_at, _facts.c.due_at, _facts.c.completed_at, _facts.c.timeliness,
                   _facts.c.overdue_detected_at)
            .where(_facts.c.unit == unit_code, _facts.c.received_at < end)
            .where(_facts.c.completed_at.is_(None) | (_facts.c.completed_at >= start))
        ).all()
        tally = Tally()
        for row in rows:
            standing = domain.standing_at(domain.DossierView(*row), start, end, at)
            if standing is not None:
                tally += standing
        formula = domain.formula_for(period)
        result = domain.progress(tally, formula)
        counted = dict(session.execute(
            select(_discipline.c.kind, func.count())
            .where(_discipline.c.unit == unit_code, _discipline.c.period == str(period))
            .group_by(_discipline.c.kind)
        ).all())
        tasks = domain.task_figures(
            (domain.TaskView(*row) for row in session.execute(
                select(_task_facts.c.assigned_at, _task_facts.c.due_at, _task_facts.c.completed_at,
                       _task_facts.c.timeliness, _task_facts.c.overdue_detected_at, _task_facts.c.overdue_cleared_at)
                .where(_task_facts.c.lead_unit == unit_code, _task_facts.c.assigned_at < end)
                .where(_task_facts.c.completed_at.is_(None) | (_task_facts.c.completed_at >= start))
            )),
            start, end, at,
        )
        satisfaction = domain.satisfaction(session.scalars(
            select(Rating.overall).where(Rating.unit == unit_code, Rating.period == str(period))).all())
        return {
            "unit": unit.code,
            "unit_name": unit.name,
            "period": str(period),
            "received": result.received,
            "early": result.early,
            "on_time": result.on_time,
            "late": result.late,
            "overdue_open": result.overdue_open,
            "open_within": result.open_within,
            "on_time_rate": result.on_time_rate,
            "score": result.score,
            "explanations": counted.get("explanation", 0),
            "proposals": counted.get("proposal", 0),
            "tasks": {
                "assigned": tasks.assigned,
                "completed_on_time": tasks.completed_on_time,
                "completed_late": tasks.completed_late,
                "overdue_open": tasks.overdue_open,
                "completion_rate": tasks.completion_rate,
                "formula": domain.task_rule_for(period).as_dict(),
            },
            "satisfaction": satisfaction,
            "formula": formula.as_dict(),
            "caveats": [c.as_dict() for c in domain.scorecard_caveats()],
            "as_of": at,
        }


def get_ranking(uow: UnitOfWork, period_text: str | None, page: int = 1, page_size: int = 50) -> dict[str, Any]:
    """The ranking of units for a month from the stored rows, with formula and caveats, one page."""
    with uow:
        session = uow.session
        tz = uow.calendar.tz
        now = uow.now()
        period = domain.requested_period(period_text, now, tz)
        formula = domain.formula_for(period)
        ranking = domain.rank_units(_month_tallies(session, period), formula)
        previous_period = period.previous()
        previous = domain.rank_units(_month_tallies(session, previous_period), domain.formula_for(previous_period))
        previous_rank = {entry.unit: entry.rank for entry in previous.ranked}
        known_units = session.scalar(select(func.count()).select_from(_units))
        not_ranked = max(known_units - len(ranking.ranked), 0)
        first = (page - 1) * page_size
        items = [
            {
                "unit": entry.unit,
                "unit_name": entry.name,
                "rank": entry.rank,
                "previous_rank": previous_rank.get(entry.unit),
                "score": entry.progress.score,
                "received": entry.progress.received,
                "early": entry.progress.early,
                "on_time": entry.progress.on_time,
                "late": entry.progress.late,
                "overdue_open": entry.progress.overdue_open,
                "on_time_rate": entry.progress.on_time_rate,
            }
            for entry in ranking.ranked[first:first + page_size]
        ]
        return {
            "period": str(period),
            "as_of": domain.as_of(period, now, tz),
            "formula": formula.as_dict(),
            "caveats": [c.as_dict() for c in domain.ranking_caveats(not_ranked)],
            "units_not_ranked": not_ranked,
            "items": items,
            "page": page,
            "page_size": page_size,
            "total": len(ranking.ranked),
        }


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
        self.count_discipline = insert(_discipline).on_conflict_do_nothing()
        self.lock_fact = (select(_facts.c.receipt, _facts.c.completion, _facts.c.overdue)
                          .where(_facts.c.code == bindparam("fact_code")).with_for_update())
        # RETURNING says whether the row went in: rowcount is -1 on this driver, which reads as "inserted"
        # and double-counts a dossier whose first two events two workers took at the same moment.
        self.insert_fact = insert(_facts).on_conflict_do_nothing().returning(_facts.c.code)
        self.update_fact = update(_facts).where(_facts.c.code == bindparam("fact_code")).values(
            procedure_code=func.coalesce(_facts.c.procedure_code, bindparam("procedure_code_if_missing")))
        month = insert(_scorecards)
        self.add_to_month = month.on_conflict_do_update(
            index_elements=["period", "unit"],
            set_={name: _scorecards.c[name] + month.excluded[name] for name in _MONTH_COLUMNS})
        unit_open = insert(_unit_open)
        self.add_to_open = unit_open.on_conflict_do_update(
            index_elements=["unit"],
            set_={name: _unit_open.c[name] + unit_open.excluded[name] for name in ("open_within", "open_overdue")})
        # Lock a month's ranking row (creating it the first time) and read the stored ranking, at once.
        ranking = insert(_ranking_periods)
        self.lock_ranking = ranking.on_conflict_do_update(
            index_elements=["period"], set_={"units_ranked": _ranking_periods.c.units_ranked},
        ).returning(_ranking_periods.c.entries)
        self.store_ranking = update(_ranking_periods).where(_ranking_periods.c.period == bindparam("ranked_period"))
        self.month_tallies = _month_tallies_query()
        self.lock_task_fact = (select(*(_task_facts.c[kind] for kind in domain.TASK_SLOTS))
                               .where(_task_facts.c.code == bindparam("fact_code")).with_for_update())
        self.insert_task_fact = insert(_task_facts).on_conflict_do_nothing().returning(_task_facts.c.code)
        self.update_task_fact = update(_task_facts).where(_task_facts.c.code == bindparam("fact_code"))


def _month_tallies_query():
    """Every unit with dossiers, its name, what is open now, the month's completions, and the changes of
    open standing after the month, for the month `:period`."""
    month = _scorecards.alias("month")
    later = (
        select(_scorecards.c.unit,
               func.sum(_scorecards.c.open_within_change).label("within"),
               func.sum(_scorecards.c.open_overdue_change).label("overdue"))
        .where(_scorecards.c.period > bindparam("period"))
        .group_by(_scorecards.c.unit)
        .subquery("later")
    )
    return (
        select(_unit_open.c.unit, _units.c.name, _unit_open.c.open_within, _unit_open.c.open_overdue,
               month.c.completed_early, month.c.completed_on_time, month.c.completed_late,
               later.c.within, later.c.overdue)
        .select_from(
            _unit_open
            .outerjoin(month, and_(month.c.unit == _unit_open.c.unit, month.c.period == bindparam("period")))
            .outerjoin(later, later.c.unit == _unit_open.c.unit)
            .outerjoin(_units, _units.c.code == _unit_open.c.unit)
        )
    )


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
            uow.session.execute(_statements(uow.session).ensure_unit, {"code": code, "first_seen_at": uow.now()})
            known.add(code)


def _slot_to_json(slot: domain.Slot | domain.TaskSlot | None) -> dict | None:
    if slot is None:
        return None
    return {name: value.isoformat() if isinstance(value, datetime) else value
            for name, value in vars(slot).items()}


def _slot_from_json(kind: str, document: dict | None, slot_types: dict[str, type] = _SLOT_TYPES):
    if document is None:
        return None
    # Every instant of a slot is named *_at; the rest are codes.
    return slot_types[kind](**{name: datetime.fromisoformat(value) if name.endswith("_at") and value else value
                                for name, value in document.items()})


def _fact_columns(fact: domain.DossierFact, now: datetime) -> dict:
    view = fact.view()
    columns = {
        "unit": fact.unit,
        "received_at": view.received_at,
        "due_at": view.due_at,
        "completed_at": view.completed_at,
        "timeliness": view.timeliness,
        "overdue_detected_at": view.overdue_detected_at,
        "updated_at": now,
    }
    columns.update({kind: _slot_to_json(slot) for kind, slot in fact.slots().items()})
    return columns


def _merge_fact(session: Session, code: str, slot: domain.Slot, procedure_code: str | None,
                now: datetime) -> tuple[domain.DossierFact, domain.DossierFact]:
    """Lock the dossier's fact row (creating it if new) and merge what the event says into it."""
    statements = _statements(session)
    row = session.execute(statements.lock_fact, {"fact_code": code}).first()
    if row is None:
        before = domain.DossierFact(code)
        after = before.merged(slot)
        inserted = session.execute(statements.insert_fact, {"code": code, "procedure_code": procedure_code,
                                                            **_fact_columns(after, now)}).first()
        if inserted is not None:
            return before, after
        # Another worker created it meanwhile: merge into theirs.
        row = session.execute(statements.lock_fact, {"fact_code": code}).first()
    before = domain.DossierFact(code, **{kind: _slot_from_json(kind, document)
                                         for kind, document in zip(_SLOT_TYPES, row, strict=True)})
    after = before.merged(slot)
    if after != before:
        session.execute(statements.update_fact, {"fact_code": code, "procedure_code_if_missing": procedure_code,
                                                 **_fact_columns(after, now)})
    return before, after


def _merge_task_fact(session: Session, code: str, slot: domain.TaskSlot, now: datetime) -> None:
    """Lock the task's fact row (creating it if new) and merge what the event says into it."""
    statements = _statements(session)
    row = session.execute(statements.lock_task_fact, {"fact_code": code}).first()
    if row is None:
        fact = domain.TaskFact(code).merged(slot)
        # RETURNING, not rowcount (-1 on psycopg): whether this insert made the row.
        if session.execute(statements.insert_task_fact, {"code": code, **_task_fact_columns(fact, now)}).first():
            return
        # Another worker created it meanwhile: merge into theirs.
        row = session.execute(statements.lock_task_fact, {"fact_code": code}).first()
    before = domain.TaskFact(code, **{kind: _slot_from_json(kind, document, domain.TASK_SLOTS)
                                      for kind, document in zip(domain.TASK_SLOTS, row, strict=True)})
    after = before.merged(slot)
    if after != before:
        session.execute(statements.update_task_fact, {"fact_code": code, **_task_fact_columns(after, now)})


def _task_fact_columns(fact: domain.TaskFact, now: datetime) -> dict:
    view = fact.view()
    columns = {
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


def _add_changes(session: Session, changes: dict[tuple[str, Period], Tally]) -> None:
    """Add the increments to the month rows, then to each unit's open dossiers."""
    statements = _statements(session)
    open_by_unit: dict[str, Tally] = {}
    # Always in the same order (months, then units), so two workers never wait on each other in a cycle.
    for (unit, period), delta in sorted(changes.items(), key=lambda item: (item[0][1], item[0][0])):
        session.execute(statements.add_to_month, {"period": str(period), "unit": unit,
                                                  **dict(zip(_MONTH_COLUMNS, delta.as_tuple(), strict=True))})
        open_by_unit[unit] = open_by_unit.get(unit, Tally()) + delta.open_part()
    for unit in sorted(open_by_unit):
        # Written even when the change is zero: a unit's row there is what lists it in its months' rankings.
        delta = open_by_unit[unit]
        session.execute(statements.add_to_open, {"unit": unit, "open_within": delta.open_within,
                                                 "open_overdue": delta.open_overdue})


def _month_tallies(session: Session, period: Period) -> list[domain.UnitTally]:
    """Every unit's tally for a month, with its name, in one query."""
    rows = session.execute(_statements(session).month_tallies, {"period": str(period)}).all()
    tallies = []
    for unit, name, within, overdue, early, on_time, late, within_after, overdue_after in rows:
        tally = domain.month_tally(
            in_month=Tally(completed_early=early or 0, completed_on_time=on_time or 0, completed_late=late or 0),
            open_now=Tally(open_within=within, open_overdue=overdue),
            changed_after=Tally(open_within=within_after or 0, open_overdue=overdue_after or 0),
        )
        tallies.append(domain.UnitTally(unit, name, tally))
    return tallies


def _refresh_ranking(uow: UnitOfWork, period: Period) -> None:
    """Re-rank a month; store the ranking and record `ranking.updated` if any rank or score moved."""
    session = uow.session
    statements = _statements(session)
    key = str(period)
    # The month's row is locked before its counters are read: the ranking stored last is then always
    # computed from everything committed before it, whichever worker stores it.
    stored_entries = session.execute(statements.lock_ranking,
                                     {"period": key, "units_ranked": 0, "entries": {}}).scalar_one()
    stored = {unit: (rank, Decimal(score)) for unit, (rank, score) in stored_entries.items()}
    ranking = domain.rank_units(_month_tallies(session, period), domain.formula_for(period))
    change = domain.ranking_change(stored, ranking)
    if not change:
        return
    session.execute(statements.store_ranking, {
        "ranked_period": key,
        "entries": {entry.unit: [entry.rank, str(entry.score)] for entry in ranking.ranked},
        "units_ranked": len(ranking.ranked),
        "changed_at": uow.now(),
    })
    uow.record("ranking.updated", key, {
        "period": key,
        "changed": change.changed,
        "units_ranked": len(ranking.ranked),
    })
