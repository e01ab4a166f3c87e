"""Rankings of units: read for a period (by the 766 progress score or the composite score, with the change
from the previous period), and re-ranked and published after the counters move.

After an event changes the stored rows, each month whose ranking can have moved, with its quarter and
year, is re-ranked (all units, and each kind of unit) once per transaction and compared with the ranking
published for it; `ranking.updated` says which units' rank or score changed.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.reporting.domain.composite import (
    ScoringRules,
    UnitFigures,
    component_percents,
    composite,
    composite_score,
    scoring_for,
    weighing,
)
from services.reporting.domain.occurrences import FIGURE_COUNTERS
from services.reporting.domain.periods import Period, as_of, requested_period
from services.reporting.domain.progress import Formula, formula_for, progress, progress_score
from services.reporting.domain.ranking import UnitTally, rank_by, rank_units, ranking_change
from services.reporting.domain.texts import composite_caveats, ranking_caveats
from services.reporting.store import writes
from services.reporting.store.statements import units as _units
from services.reporting.use_cases import figures, pending
from shared.errors import InvalidInput
from shared.uow import UnitOfWork


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
        period = requested_period(period_text, now, tz)
        at = as_of(period, now, tz)
        formula = formula_for(period)
        rules = scoring_for(period, figures.scoring_versions())
        previous_period = period.previous()
        # The composite's month counts of both periods in one query (whole months only; a range of days
        # reads the occurrences and ratings themselves).
        counted = [p for p in (period, previous_period) if p.month_aligned] if by == "composite" else []
        figure_counts = dict(zip(counted, figures.figure_counts(session, counted), strict=True)) if counted else {}
        entries = _ranked(session, period, tz, at, kind, by, formula, rules, figure_counts.get(period))
        previous_rank = dict(_ranked(session, previous_period, tz, as_of(previous_period, now, tz), kind, by,
                                     formula_for(previous_period),
                                     scoring_for(previous_period, figures.scoring_versions()),
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
        caveats = ranking_caveats(not_ranked)
        if by == "composite":
            caveats = [*caveats, *composite_caveats([], rules)[1:]]
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
            formula: Formula, rules: ScoringRules,
            figure_counts: dict[str, tuple[int, ...]] | None = None, *, ranks_only: bool = False) -> list:
    """The period's ranking entries, best first (`ranks_only`: just (unit, rank), as the previous period's
    ranking is read). `figure_counts`: the composite's month counts of the period (figures.figure_counts), for a
    period of whole months."""
    tallies = figures.period_tallies(session, period, tz, at, kind)
    if ranks_only:  # the scores alone, without the figures shown
        scores = {t.unit: progress_score(t.tally, formula) for t in tallies}
        if by == "composite" and tallies:
            composites = _scores_by_composite(session, period, tz, at, tallies, rules, figure_counts)
            scores = {unit: composites[unit] if score is not None else None for unit, score in scores.items()}
        return rank_by([(t.unit, t.name, scores[t.unit]) for t in tallies],
                              {t.unit: t.sort_key for t in tallies})[0]
    results = {t.unit: (t, progress(t.tally, formula)) for t in tallies}
    composites: dict[str, Decimal | None] = {}
    if by == "composite" and results:
        composites = _scores_by_composite(session, period, tz, at, tallies, rules, figure_counts)
        # Rank only units with dossiers in the period, like the progress ranking.
        scores = [(u, t.name, composites[u] if p.score is not None else None) for u, (t, p) in results.items()]
    else:
        scores = [(u, t.name, p.score) for u, (t, p) in results.items()]
    ranks, _ = rank_by(scores, {t.unit: t.sort_key for t in tallies})
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


def _scores_by_composite(session: Session, period: Period, tz, at: datetime, tallies: list[UnitTally],
                         rules: ScoringRules,
                         figure_counts: dict[str, tuple[int, ...]] | None) -> dict[str, Decimal | None]:
    """Every unit's composite score: from the stored counters for a period of whole months, from the
    occurrences and ratings themselves for another range of days."""
    if figure_counts is not None:
        return _composite_scores(session, period, tz, at, tallies, rules, figure_counts)
    tasks = figures.task_counters(session, period, tz, at) if period.month_aligned else None
    others = figures.other_figures(session, [t.unit for t in tallies], period.start(tz), period.end(tz), at,
                            every_unit=True, tasks=tasks)
    return {t.unit: composite(UnitFigures(tally=t.tally, **others[t.unit]["figures"]), rules,
                                     explain=False).score
            for t in tallies}


_NO_FIGURE_COUNTS = (0,) * len(FIGURE_COUNTERS)
_NO_TASK_COUNTS = (0, 0, 0, 0)


def _composite_scores(session: Session, period: Period, tz, at: datetime, tallies: list[UnitTally],
                      rules: ScoringRules,
                      figure_counts: dict[str, tuple[int, ...]]) -> dict[str, Decimal | None]:
    """Every unit's composite score for a period of whole months, from the stored counters: the month counts
    of its explanations, feedback and ratings, its task counters, and its complaints (few, read as they are).
    The same score as its scorecard's (composite), computed from plain counts."""
    tasks = figures.task_counts(session, period, tz, at)
    complaints = figures.complaints(session, period.start(tz), period.end(tz))
    full_marks_at = rules.full_marks_at
    weights_of = weighing(rules)
    scores = {}
    for entry in tallies:
        unit, tally = entry.unit, entry.tally
        (explanations_requested, explanations_missed, feedback_handled, feedback_on_time, feedback_overdue, ratings,
         satisfied) = figure_counts.get(unit, _NO_FIGURE_COUNTS)
        assigned, _, tasks_late, tasks_overdue = tasks.get(unit, _NO_TASK_COUNTS)
        values = component_percents(
            tally.received, tally.on_time, tally.completed_late + tally.open_overdue,
            len(complaints[unit]) if unit in complaints else 0, ratings, satisfied, assigned,
            tasks_late + tasks_overdue, feedback_handled + feedback_overdue, feedback_on_time,
            explanations_requested, explanations_missed, full_marks_at)
        scores[unit] = composite_score(values, weights_of)
    return scores


def rerank_later(uow: UnitOfWork, periods: Iterable[Period]) -> None:
    if uow.memo.get("replaying"):
        return  # the rebuild re-ranks every period once, at its end
    for period in periods:
        # Once per transaction: a batch of events re-ranks each period it touched once.
        uow.defer(("rerank", str(period)), functools.partial(refresh_rankings, uow, period))


def refresh_rankings(uow: UnitOfWork, period: Period) -> None:
    """Re-rank a whole-month period, for all units and for each kind of unit; store each ranking and record
    `ranking.updated` where a rank or score moved."""
    pending.flush(uow)
    session = uow.session
    key = str(period)
    # The period's row of all units is locked before its counters are read: the ranking stored last is
    # then always computed from everything committed before it, whichever worker stores it.
    stored = {kind: {unit: (rank, Decimal(score)) for unit, (rank, score) in entries.items()}
              for kind, entries in writes.lock_rankings(session, key).items()}
    months = period.months()
    tallies = figures.month_tallies(session, months[0], months[-1])
    formula = formula_for(period)
    groups: dict[str, list] = {"": tallies}
    for entry in tallies:
        if entry.kind:
            groups.setdefault(entry.kind, []).append(entry)
    for kind in sorted(set(groups) | set(stored)):
        ranking = rank_units(groups.get(kind, []), formula)
        change = ranking_change(stored.get(kind, {}), ranking)
        if not change:
            continue
        writes.store_ranking(session, key, kind,
                             {entry.unit: [entry.rank, str(entry.score)] for entry in ranking.ranked},
                             len(ranking.ranked), uow.now())
        data = {"period": key, "changed": change.changed, "units_ranked": len(ranking.ranked)}
        if kind:
            data["unit_kind"] = kind
        uow.record("ranking.updated", key, data)
