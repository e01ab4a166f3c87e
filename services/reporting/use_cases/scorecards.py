"""A unit's scorecard for a period: every figure, exactly, with the composite score and its band."""

from __future__ import annotations

from decimal import ROUND_HALF_UP
from typing import Any

from services.reporting.domain.composite import UnitFigures, composite, dossier_satisfaction, satisfaction, scoring_for
from services.reporting.domain.index766 import index_766
from services.reporting.domain.periods import Month, as_of, requested_period
from services.reporting.domain.progress import SCORE_QUANTUM, formula_for, progress
from services.reporting.domain.task_facts import task_rule_for
from services.reporting.domain.texts import FIGURE_TEXTS, composite_caveats, scorecard_caveats
from services.reporting.use_cases import figures, rankings, trends
from shared.uow import UnitOfWork


def get_scorecard(uow: UnitOfWork, unit_code: str, period_text: str | None) -> dict[str, Any]:
    """A unit's scorecard for a period (month, quarter, year or range of days), computed exactly from its
    dossiers and the tasks it leads at the period's as-of instant, with the composite score and its band."""
    with uow:
        session = uow.session
        tz = uow.calendar.tz
        now = uow.now()
        period = requested_period(period_text, now, tz)
        unit = figures.unit_row(session, unit_code)
        start, end = period.start(tz), period.end(tz)
        at = as_of(period, now, tz)
        tally = figures.exact_tally(session, unit_code, start, end, at)
        formula = formula_for(period)
        result = progress(tally, formula)
        rules = scoring_for(period, figures.scoring_versions())
        other = figures.other_figures(session, [unit_code], start, end, at)[unit_code]
        unit_figures = UnitFigures(tally=tally, **other["figures"])
        late_feedback = unit_figures.feedback_handled - unit_figures.feedback_on_time + unit_figures.feedback_overdue
        scored = composite(unit_figures, rules)
        satisfaction_figures = satisfaction(other["rating_scores"])
        tasks = unit_figures.tasks
        dossier_satisfaction_figures = dossier_satisfaction(tally, unit_figures.complaints, rules)
        earned = dossier_satisfaction_figures.pop("earned_share") if dossier_satisfaction_figures else None
        counts = other["counts"]
        index = index_766({"progress": result.score,
                           # One indicator of the satisfaction group, 6 of its 18 points (Decision 766/QĐ-TTg).
                           "dossier_satisfaction": None if earned is None else
                           (6 * earned).quantize(SCORE_QUANTUM, ROUND_HALF_UP)})
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
            "dossier_satisfaction": dossier_satisfaction_figures,
            "index_766": index,
            # Decree 61/2018/ND-CP art. 19 and Form 04 of Circular 01/2018/TT-VPCP: an apology is counted, and
            # so are the promises it breaks and the late dossiers that had none.
            "apologies": {"issued": counts["dossier.apology_issued"],
                          "promises_broken": counts["dossier.promise_broken"],
                          "late_without_apology": counts["dossier.apology_missed"]},
            "surveys": figures.survey_figures(session, unit_code, period.months()),
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
                         "handled": unit_figures.feedback_handled,
                         "handled_on_time": unit_figures.feedback_on_time,
                         "answered": counts["feedback.answered"],
                         "answered_on_time": counts["answered_on_time"],
                         "overdue": unit_figures.feedback_overdue},
            "tasks": {
                "assigned": tasks.assigned,
                "completed_on_time": tasks.completed_on_time,
                "completed_late": tasks.completed_late,
                "overdue_open": tasks.overdue_open,
                "completion_rate": tasks.completion_rate,
                "formula": task_rule_for(period).as_dict(),
            },
            "satisfaction": satisfaction_figures,
            "composite": {
                "score": scored.score,
                "band": scored.band.as_dict() if scored.band else None,
                "components": scored.components,
                "rules": rules.as_dict(),
                "caveats": [c.as_dict() for c in composite_caveats(scored.not_measured, rules)],
            },
            "figures": [dict(key=key, value=value, **FIGURE_TEXTS[key],
                             drilldown=f"/reporting/api/v1/units/{unit.code}/scorecard/{key}?period={period}")
                        for key, value in (("received", result.received), ("early", result.early),
                                           ("finished_on_time", tally.completed_on_time), ("late", result.late),
                                           ("open_within", result.open_within),
                                           ("overdue_open", result.overdue_open),
                                           ("supplements", counts["dossier.supplement_requested"]),
                                           ("returned_for_fault", counts["returned_for_fault"]),
                                           ("tasks_late", tasks.completed_late),
                                           ("tasks_overdue", tasks.overdue_open),
                                           ("feedback_late", late_feedback),
                                           ("explanations", counts["explanation.requested"]),
                                           ("explanations_missed", counts["explanation.missed"]),
                                           ("proposals", counts["sanction.proposed"]),
                                           ("decisions", counts["sanction.decided"]),
                                           ("apologies", counts["dossier.apology_issued"]),
                                           ("promises_broken", counts["dossier.promise_broken"]),
                                           ("late_without_apology", counts["dossier.apology_missed"]))],
            "formula": formula.as_dict(),
            "caveats": [c.as_dict() for c in scorecard_caveats()],
            "as_of": at,
        }


# How many months the scorecard page's trend shows, the current one last.
TREND_MONTHS = 6


def unit_overview(uow: UnitOfWork, unit_code: str, months: int = TREND_MONTHS) -> dict[str, Any]:
    """What a head's scorecard page shows of her unit: this month's scorecard, the unit's rank this month
    among all ranked units and among the units of its kind (by the 766 progress score, as the public
    ranking), and the trend of the last `months` months (the current one last)."""
    with uow:
        now = uow.now()
        tz = uow.calendar.tz
        card = get_scorecard(uow, unit_code, None)
        ranks = {}
        for scope, kind in (("all", None), ("kind", card["unit_kind"])):
            if scope == "kind" and kind is None:
                continue
            ranking = rankings.get_ranking(uow, card["period"], 1, 100_000, kind=kind)
            entry = next((item for item in ranking["items"] if item["unit"] == unit_code), None)
            ranks[scope] = {"rank": entry["rank"] if entry else None, "of": ranking["total"],
                            "previous_rank": entry["previous_rank"] if entry else None,
                            "rank_change": entry["rank_change"] if entry else None,
                            "units_not_ranked": ranking["units_not_ranked"], "unit_kind": kind}
        last = Month.of(now, tz)
        first = last
        for _ in range(max(months, 1) - 1):
            first = first.previous()
        trend = trends.get_trend(uow, unit_code, [month.as_period() for month in first.through(last)])
        return {"scorecard": card, "rank": ranks["all"], "kind_rank": ranks.get("kind"), "trend": trend}
