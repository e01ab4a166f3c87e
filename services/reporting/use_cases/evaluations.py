"""The quarterly evaluation of heads (seed 003 II.2.đ) for Home Affairs: for every head in office in the
quarter, the unit's figures and the head's own, their self-assessment, and a proposed level with its reasons
and rules (domain.evaluation). People decide."""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import func, select

from services.reporting.domain.composite import dossier_satisfaction, scoring_for
from services.reporting.domain.evaluation import LEVEL_LABELS, HeadFigures, evaluation_rules_for, propose_level
from services.reporting.domain.periods import Month, Period, as_of, requested_period
from services.reporting.domain.progress import RATE_QUANTUM, formula_for, progress
from services.reporting.store.statements import head_terms as _heads
from services.reporting.store.statements import occurrences as _occurrences
from services.reporting.store.statements import self_assessments as _self
from services.reporting.store.statements import units as _units
from services.reporting.use_cases import figures
from shared.errors import InvalidInput
from shared.uow import UnitOfWork


def head_evaluations(uow: UnitOfWork, quarter_text: str | None) -> dict[str, Any]:
    """Every head in office during the quarter (the current one when none is asked), with what the platform
    measured and the level it proposes."""
    with uow:
        tz, now = uow.calendar.tz, uow.now()
        if quarter_text:
            try:
                quarter = requested_period(quarter_text, now, tz)
            except InvalidInput as exc:  # the same reasons, under the parameter's own name
                raise InvalidInput(exc.message, {"quarter": exc.errors.get("period", [])}) from None
            if quarter.kind != "quarter":
                raise InvalidInput(f"{quarter_text!r} is not a quarter; write it as YYYY-Qn, e.g. 2026-Q4",
                                   {"quarter": ["expected YYYY-Qn; quý không hợp lệ"]})
        else:
            quarter = Month.of(now, tz).enclosing()[1]
        at = as_of(quarter, now, tz)
        rules = evaluation_rules_for(quarter.first)
        scoring = scoring_for(quarter, figures.scoring_versions())
        items = _evaluate(uow, quarter, at, str(quarter), scoring)
        for item in items:
            item["proposed"] = propose_level(item.pop("head"), rules)
        return {"quarter": str(quarter), "as_of": at, "rules": rules.as_dict(),
                "progress_formula": formula_for(quarter).as_dict(), "composite_rules": scoring.as_dict(),
                "notice": {"vi": "Mức xếp loại là đề xuất từ số liệu của nền tảng; cấp có thẩm quyền quyết định.",
                           "en": "The levels are proposals from the platform's figures; the competent authority "
                                 "decides."},
                "items": items}


def heads_in_report(uow: UnitOfWork, window: Period, at: datetime, quarter: str) -> list[dict]:
    """The figures of every head in office in a quarterly report's window (no proposed level: that is for
    Home Affairs, through head_evaluations)."""
    with uow:
        items = _evaluate(uow, window, at, quarter, scoring_for(window, figures.scoring_versions()))
        for item in items:
            del item["head"]
            if item["self_assessment"]:
                item["self_assessment"]["label"] = LEVEL_LABELS[item["self_assessment"]["level"]][0]
        return items


def _evaluate(uow: UnitOfWork, period: Period, at: datetime, quarter: str, scoring) -> list[dict]:
    session, tz = uow.session, uow.calendar.tz
    start, end = period.start(tz), period.end(tz)
    heads = session.execute(
        select(_heads.c.unit, _heads.c.official, _heads.c.since, _heads.c.until, _units.c.name)
        .select_from(_heads.outerjoin(_units, _units.c.code == _heads.c.unit))
        .where(_heads.c.role == "head", _heads.c.since <= period.last)
        .where(_heads.c.until.is_(None) | (_heads.c.until >= period.first))
        .order_by(_heads.c.unit, _heads.c.since, _heads.c.official)).all()
    units = sorted({row.unit for row in heads})
    other = figures.other_figures(session, units, start, end, at) if units else {}
    officials = sorted({row.official for row in heads})
    own = _own_counts(session, officials, start, end, datetime(period.last.year, 1, 1, tzinfo=tz))
    assessed = _self_assessments(session, officials, quarter)
    items = []
    for row in heads:
        tally = figures.exact_tally(session, row.unit, start, end, at)
        result = progress(tally, formula_for(period))
        unit_figures = other[row.unit]["figures"]
        satisfied = dossier_satisfaction(tally, unit_figures["complaints"], scoring)
        tasks = unit_figures["tasks"]
        feedback_due = unit_figures["feedback_handled"] + unit_figures["feedback_overdue"]
        counts = own.get(row.official, {})
        head = HeadFigures(
            progress_rate=result.on_time_rate,
            dossier_satisfaction_rate=satisfied["rate"] if satisfied else None,
            tasks_on_time_rate=_share(tasks.completed_on_time, tasks.assigned),
            feedback_on_time_rate=_share(unit_figures["feedback_on_time"], feedback_due),
            violations=counts.get("violation.recorded", 0),
            explanations_missed=counts.get("explanation.missed", 0),
            decisions_in_year=counts.get("sanction.decided", 0))
        items.append({
            "official": row.official, "unit": row.unit, "unit_name": row.name,
            "in_office": {"since": row.since, "until": row.until},
            "figures": {"received": result.received, "progress_rate": head.progress_rate,
                        "progress_score": result.score,
                        "dossier_satisfaction_rate": head.dossier_satisfaction_rate,
                        "tasks_assigned": tasks.assigned, "tasks_completed_on_time": tasks.completed_on_time,
                        "tasks_on_time_rate": head.tasks_on_time_rate,
                        "feedback_due": feedback_due, "feedback_on_time": unit_figures["feedback_on_time"],
                        "feedback_on_time_rate": head.feedback_on_time_rate,
                        "violations": head.violations, "explanations_missed": head.explanations_missed,
                        "decisions_in_year": head.decisions_in_year},
            "self_assessment": assessed.get(row.official),
            "head": head,
        })
    return items


def _share(part: int, whole: int) -> Decimal | None:
    return (Decimal(part) / Decimal(whole)).quantize(RATE_QUANTUM, ROUND_HALF_UP) if whole else None


def _own_counts(session, officials: list[str], start: datetime, end: datetime,
                year_start: datetime) -> dict[str, dict[str, int]]:
    """Each head's own violations and missed explanations in the quarter, and disciplinary decisions against
    them from the year's start to the quarter's end."""
    counts: dict[str, dict[str, int]] = {}
    if not officials:
        return counts
    occ = _occurrences.c
    in_quarter = (occ.kind.in_(("violation.recorded", "explanation.missed")) & (occ.at >= start))
    in_year = (occ.kind == "sanction.decided") & (occ.at >= year_start)
    for official, kind, count in session.execute(
        select(occ.official, occ.kind, func.count()).where(occ.official.in_(officials), occ.at < end)
        .where(in_quarter | in_year).group_by(occ.official, occ.kind)
    ):
        counts.setdefault(official, {})[kind] = count
    return counts


def _self_assessments(session, officials: list[str], quarter: str) -> dict[str, dict]:
    """Each head's newest self-assessment of a quarterly plan for the quarter (plan.self_assessed), if any."""
    found: dict[str, dict] = {}
    for row in session.execute(
        select(_self).where(_self.c.official.in_(officials), _self.c.period_kind == "quarter",
                            _self.c.period == quarter).order_by(_self.c.assessed_at, _self.c.code)
    ):
        found[row.official] = {"plan": row.code, "items": row.items, "done": row.done,
                               "done_on_time": row.done_on_time, "level": row.level, "assessed_at": row.assessed_at}
    return found



