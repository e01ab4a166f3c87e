"""The facts behind one figure of a unit's scorecard: dossiers (at which step, by whom, who was asked to
explain and whether they did), tasks, feedback, explanations or sanctions."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.reporting.domain.dossier_facts import DossierView, standing_at
from services.reporting.domain.occurrences import DOSSIER_FIGURES, OCCURRENCE_FIGURES
from services.reporting.domain.periods import as_of, requested_period
from services.reporting.domain.task_facts import TaskView, task_figures
from services.reporting.domain.texts import FIGURE_TEXTS
from services.reporting.store.statements import TASK_VIEW_COLUMNS, VIEW_COLUMNS
from services.reporting.store.statements import facts as _facts
from services.reporting.store.statements import occurrences as _occurrences
from services.reporting.store.statements import task_facts as _task_facts
from services.reporting.use_cases import figures
from shared.errors import NotFound
from shared.uow import UnitOfWork


def get_drilldown(uow: UnitOfWork, unit_code: str, figure: str, period_text: str | None, page: int = 1,
                  page_size: int = 50) -> dict[str, Any]:
    """The facts behind one figure of a unit's scorecard: which dossiers (at which step, by whom, who was
    asked to explain and whether they did), tasks, feedback, explanations or sanctions."""
    if figure not in FIGURE_TEXTS:
        raise NotFound(f"the scorecard has no figure {figure!r}; figures: {', '.join(FIGURE_TEXTS)}",
                       {"figure": [f"expected one of {', '.join(FIGURE_TEXTS)}"]})
    with uow:
        session = uow.session
        tz = uow.calendar.tz
        now = uow.now()
        period = requested_period(period_text, now, tz)
        unit = figures.unit_row(session, unit_code)
        start, end = period.start(tz), period.end(tz)
        at = as_of(period, now, tz)
        if figure in DOSSIER_FIGURES:
            items = _dossier_items(session, unit_code, figure, start, end, at)
        elif figure in ("tasks_late", "tasks_overdue"):
            items = _task_items(session, unit_code, figure, start, end, at)
        else:
            items = _occurrence_items(session, unit_code, figure, start, end)
        first = (page - 1) * page_size
        return {"unit": unit.code, "unit_name": unit.name, "period": str(period), "figure": figure,
                **FIGURE_TEXTS[figure], "as_of": at, "items": items[first:first + page_size],
                "page": page, "page_size": page_size, "total": len(items)}


def _dossier_items(session: Session, unit_code: str, figure: str, start: datetime, end: datetime,
                   at: datetime) -> list[dict]:
    rows = session.execute(
        select(_facts.c.code, _facts.c.procedure_code, _facts.c.late_reason, _facts.c.responsible_step,
               _facts.c.responsible_official, _facts.c.responsible_unit, _facts.c.overdue_step,
               _facts.c.overdue_official, *VIEW_COLUMNS)
        .where(_facts.c.unit == unit_code, _facts.c.received_at < end)
        .where(_facts.c.completed_at.is_(None) | (_facts.c.completed_at >= start))
        .order_by(_facts.c.received_at, _facts.c.code)
    ).all()
    wanted = DOSSIER_FIGURES[figure]
    chosen = []
    for row in rows:
        view = DossierView(*row[8:])
        standing = standing_at(view, start, end, at)
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
        select(_task_facts.c.code, *TASK_VIEW_COLUMNS)
        .where(_task_facts.c.lead_unit == unit_code, _task_facts.c.assigned_at < end)
        .where(_task_facts.c.completed_at.is_(None) | (_task_facts.c.completed_at >= start))
        .order_by(_task_facts.c.assigned_at, _task_facts.c.code)
    ):
        task = TaskView(*view)
        figures = task_figures([task], start, end, at)
        if (figure == "tasks_late" and figures.completed_late) or (figure == "tasks_overdue" and figures.overdue_open):
            items.append({"code": code, "received_at": task.assigned_at, "due_at": task.due_at,
                          "completed_at": task.completed_at, "timeliness": task.timeliness})
    explanations = _explanations_about(session, [item["code"] for item in items])
    for item in items:
        item["explanations"] = explanations.get(item["code"], [])
    return items


def _occurrence_items(session: Session, unit_code: str, figure: str, start: datetime, end: datetime) -> list[dict]:
    kinds, condition = OCCURRENCE_FIGURES[figure]
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
