"""The Service Center's live board, read from reporting's own projections (never from a dossiers service:
each department may run its own): every unit's open dossiers, due soon and overdue (board_counts), the
overdue ones by step, a unit's open dossiers worst first, and one dossier's control sheet from the
occurrences reporting keeps."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, select

from services.reporting.domain.board import STATE_RANK
from services.reporting.store.statements import board_counts as _counts
from services.reporting.store.statements import board_steps as _board_steps
from services.reporting.store.statements import board_units as _board_units
from services.reporting.store.statements import facts as _facts
from services.reporting.store.statements import occurrences as _occurrences
from services.reporting.store.statements import units as _units
from shared.errors import NotFound
from shared.uow import UnitOfWork

SORTS = ("unit", "open", "due_soon", "overdue")
# What a dossier's control sheet lists besides its hand-overs (phiếu kiểm soát quá trình giải quyết hồ sơ).
SHEET_KINDS = ("dossier.handed_over", "dossier.supplement_requested", "dossier.supplement_received",
               "dossier.marked_late", "dossier.deadline_changed", "dossier.apology_issued", "dossier.apology_missed",
               "dossier.promise_broken", "dossier.sent_back", "dossier.returned", "dossier.refused",
               "dossier.withdrawn", "dossier.stopped")


def board_counts(uow: UnitOfWork, procedure: str | None = None, step: str | None = None) -> dict[str, Any]:
    """Every unit with dossiers on the board (open, due soon, overdue; of one procedure and/or one step when
    asked), the open and overdue ones by step (of the procedure asked), and the procedures and steps to
    filter by. Two reads: the units' totals (board_units, or board_counts by the filter's index), and the
    sums per procedure and step (board_steps, a hundred rows or so): what a poll every second costs."""
    with uow:
        session = uow.session
        if procedure is None and step is None:
            source = _board_units
            query = select(source.c.unit, _units.c.name, _units.c.sort_key, source.c.open.label("open"),
                           source.c.due_soon.label("due_soon"), source.c.overdue.label("overdue"))
        else:
            source = _counts
            query = (select(source.c.unit, _units.c.name, _units.c.sort_key, func.sum(source.c.open).label("open"),
                            func.sum(source.c.due_soon).label("due_soon"),
                            func.sum(source.c.overdue).label("overdue"))
                     .group_by(source.c.unit, _units.c.name, _units.c.sort_key))
            if procedure is not None:
                query = query.where(source.c.procedure_code == procedure)
            if step is not None:
                query = query.where(source.c.step == step)
        units = session.execute(query.select_from(source.outerjoin(_units, _units.c.code == source.c.unit))).all()
        grouped = session.execute(select(_board_steps.c.procedure_code, _board_steps.c.step, _board_steps.c.open,
                                         _board_steps.c.overdue)).all()
        # The chart's steps follow the procedure asked, never the step: it shows every step.
        steps: dict[str, list[int]] = {}
        procedures = set()
        for code, key, open_, overdue in grouped:
            if open_:
                procedures.add(code)
            if procedure is None or code == procedure:
                totals = steps.setdefault(key, [0, 0])
                totals[0] += int(open_ or 0)
                totals[1] += int(overdue or 0)
        items = [{"unit": row.unit, "unit_name": row.name, "sort_key": row.sort_key or row.unit,
                  "open": int(row.open or 0), "due_soon": int(row.due_soon or 0), "overdue": int(row.overdue or 0)}
                 for row in units]
        by_step = sorted(({"step": key, "open": open_, "overdue": overdue}
                          for key, (open_, overdue) in steps.items() if open_),
                         key=lambda s: (-s["overdue"], -s["open"], s["step"]))
        return {"units": items, "steps": by_step, "procedures": sorted(procedures), "at": uow.now(),
                "totals": {name: sum(item[name] for item in items) for name in ("open", "due_soon", "overdue")}}


def sorted_units(units: list[dict], sort: str, descending: bool) -> list[dict]:
    """Worst first by default: most overdue, then most due soon, then most open; ties by the unit's name."""
    if sort == "unit":
        return sorted(units, key=lambda u: (u["sort_key"], u["unit"]), reverse=descending)
    others = [name for name in ("overdue", "due_soon", "open") if name != sort]

    def key(u):
        return (u[sort], u[others[0]], u[others[1]])

    ordered = sorted(units, key=lambda u: (u["sort_key"], u["unit"]))
    return sorted(ordered, key=key, reverse=descending)


def unit_dossiers(uow: UnitOfWork, unit_code: str, procedure: str | None = None, step: str | None = None,
                  page: int = 1, page_size: int = 50) -> dict[str, Any]:
    """A unit's open dossiers, worst first (overdue, due soon, within; the earliest deadline first), a page."""
    with uow:
        session = uow.session
        unit = session.execute(select(_units.c.code, _units.c.name).where(_units.c.code == unit_code)).first()
        if unit is None:
            raise NotFound(f"no event has named unit {unit_code!r} yet", {"unit": ["unknown unit"]})
        where = [_facts.c.unit == unit_code, _facts.c.board_state.is_not(None)]
        if procedure is not None:
            where.append(_facts.c.procedure_code == procedure)
        if step is not None:
            where.append(func.coalesce(_facts.c.board_step, "") == step)
        total = session.scalar(select(func.count()).select_from(_facts).where(*where))
        rank = case(*((_facts.c.board_state == state, n) for state, n in STATE_RANK.items()), else_=9)
        rows = session.execute(
            select(_facts.c.code, _facts.c.procedure_code, _facts.c.board_step, _facts.c.board_official,
                   _facts.c.due_at, _facts.c.board_state, _facts.c.received_at, _facts.c.paused_since)
            .where(*where).order_by(rank, _facts.c.due_at, _facts.c.code)
            .offset((page - 1) * page_size).limit(page_size)).all()
        return {"unit": unit.code, "unit_name": unit.name, "total": total, "page": page, "page_size": page_size,
                "items": [dict(row._mapping) for row in rows]}


def control_sheet(uow: UnitOfWork, unit_code: str, code: str) -> dict[str, Any]:
    """One dossier of the unit as reporting knows it, with every hand-over (time, step, the two officials,
    the days the step used of its budget) and the other facts of its handling, in time order."""
    with uow:
        session = uow.session
        fact = session.execute(
            select(_facts.c.code, _facts.c.unit, _facts.c.procedure_code, _facts.c.received_at, _facts.c.due_at,
                   _facts.c.completed_at, _facts.c.timeliness, _facts.c.board_state, _facts.c.board_step,
                   _facts.c.board_official, _facts.c.paused_since, _facts.c.overdue_detected_at)
            .where(_facts.c.code == code)).first()
        if fact is None or fact.unit != unit_code:
            raise NotFound(f"unit {unit_code!r} has no dossier {code!r} in reporting's records",
                           {"code": ["unknown dossier for this unit"]})
        unit_name = session.scalar(select(_units.c.name).where(_units.c.code == unit_code))
        lines = []
        for row in session.execute(
            select(_occurrences.c.kind, _occurrences.c.at, _occurrences.c.step, _occurrences.c.official,
                   _occurrences.c.on_time, _occurrences.c.detail)
            .where(_occurrences.c.kind.in_(SHEET_KINDS), _occurrences.c.subject == code)
            .order_by(_occurrences.c.at, _occurrences.c.kind)
        ):
            detail = row.detail or {}
            lines.append({"kind": row.kind.removeprefix("dossier."), "at": row.at, "step": row.step,
                          "official": row.official, "on_time": row.on_time, "to_step": detail.get("to_step"),
                          "to_official": detail.get("to_official"), "to_unit": detail.get("to_unit"),
                          "used_days": detail.get("step_used_days"), "budget_days": detail.get("step_budget_days"),
                          "reason": detail.get("reason") or ", ".join(detail.get("reasons") or ()) or None,
                          "due_at": detail.get("due_at")})
        return {"unit_name": unit_name, **dict(fact._mapping), "lines": lines}
