"""The pure domain of reporting, split by concept:

- periods: months and the periods readers ask for, and the instant each is judged at;
- progress: the "progress" group of the Decision 766/QĐ-TTg index (tally, formula versions, score);
- dossier_facts: dossier facts merged from events, per-(unit, month) rows, the exact rule at an instant;
- task_facts: task facts, their figures, per-month counters and the published counting rule;
- ranking: units by score, and what changed since the published ranking;
- composite: the composite score, its components, bands and versions;
- occurrences: the other facts counted, the figures drawn from them and their per-month counters;
- texts: caveats, texts of the figures, notes of the public lists, Vietnamese ways of writing;
- cadence: report periods and their issuing calendar; report_contents: what a periodic report lists;
- event_data: reading instants and texts out of an event.

No Flask, no database, no broker, no clock call: instants and time zones are passed in.
"""

# TRANSITION: importers move to the submodules; this list then goes
from services.reporting.domain.cadence import ReportPeriod, due_reports, report_period, trend_windows
from services.reporting.domain.composite import (
    ScoringRules,
    UnitFigures,
    component_percents,
    composite,
    composite_score,
    dossier_satisfaction,
    satisfaction,
    scoring_for,
    scoring_rules_from_document,
    weighing,
)
from services.reporting.domain.dossier_facts import (
    DOSSIER_SLOTS,
    DOSSIER_STANDING_EVENTS,
    DossierFact,
    DossierView,
    Slot,
    month_changes,
    month_tally,
    months_to_rerank,
    slots_from_event,
    standing_at,
    tally_changes,
)
from services.reporting.domain.occurrences import (
    DOSSIER_FIGURES,
    FEEDBACK_STEPS,
    FIGURE_COUNTERS,
    OCCURRENCE_EVENTS,
    OCCURRENCE_FIGURES,
    add_counts,
    occurrence_figure_counts,
    occurrence_from_event,
    rating_figure_counts,
)
from services.reporting.domain.periods import Month, Period, as_of, requested_period
from services.reporting.domain.progress import Formula, ProgressScore, Tally, formula_for, progress, progress_score
from services.reporting.domain.ranking import UnitTally, rank_by, rank_units, ranking_change, unit_sort_key
from services.reporting.domain.report_contents import (
    TaskLine,
    is_good_performer,
    summary,
    task_rows,
    tasks_by_unit,
    trend_point,
    units_with_late_dossiers,
)
from services.reporting.domain.task_facts import (
    TASK_COUNTERS,
    TASK_SLOTS,
    TaskCounts,
    TaskFact,
    TaskFigures,
    TaskSlot,
    TaskView,
    counted_in_months,
    task_changes,
    task_figures,
    task_figures_of,
    task_month_changes,
    task_rule_for,
    task_slot_from_event,
    task_standing,
)
from services.reporting.domain.texts import (
    MONDAY_LIST_NOTES,
    ROOT_KINDS,
    VIOLATORS_NOTES,
    composite_caveats,
    good_performer_rule,
    issuer_name,
    ranking_caveats,
    scorecard_caveats,
    unit_kind_label,
)
from shared.events.vocabulary import sanction_form_label

# TRANSITION: the old name of ProgressScore ("progress" also names the tasks' progress reports)
Progress = ProgressScore

__all__ = [
    "DOSSIER_FIGURES", "DOSSIER_SLOTS", "DOSSIER_STANDING_EVENTS", "FEEDBACK_STEPS", "FIGURE_COUNTERS",
    "MONDAY_LIST_NOTES", "OCCURRENCE_EVENTS", "OCCURRENCE_FIGURES", "ROOT_KINDS", "TASK_COUNTERS", "TASK_SLOTS",
    "VIOLATORS_NOTES", "DossierFact", "DossierView", "Formula", "Month", "Period", "Progress", "ProgressScore",
    "ReportPeriod", "ScoringRules", "Slot", "Tally", "TaskCounts", "TaskFact", "TaskFigures", "TaskLine",
    "TaskSlot", "TaskView", "UnitFigures", "UnitTally", "add_counts", "as_of", "component_percents", "composite",
    "composite_caveats", "composite_score", "counted_in_months", "dossier_satisfaction", "due_reports",
    "formula_for", "good_performer_rule", "is_good_performer", "issuer_name", "month_changes", "month_tally",
    "months_to_rerank", "occurrence_figure_counts", "occurrence_from_event", "progress", "progress_score",
    "rank_by", "rank_units", "ranking_caveats", "ranking_change", "rating_figure_counts", "report_period",
    "requested_period", "sanction_form_label", "satisfaction", "scorecard_caveats", "scoring_for",
    "scoring_rules_from_document", "slots_from_event", "standing_at", "summary", "tally_changes", "task_changes",
    "task_figures", "task_figures_of", "task_month_changes", "task_rule_for", "task_rows", "task_slot_from_event",
    "task_standing", "tasks_by_unit", "trend_point", "trend_windows", "unit_kind_label", "unit_sort_key",
    "units_with_late_dossiers", "weighing",
]
