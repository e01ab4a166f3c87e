"""Occurrences: every other event reporting counts or shows in a drill-down becomes one occurrence,
something that happened to a dossier, a piece of feedback, an explanation or a sanction, for a unit, at an
instant. Its natural key (kind, subject, key) makes a producer's retry with a new event id count once.
Also which figures of a scorecard are drawn from which facts, and the per-month counters of them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from services.reporting.domain.event_data import parse_instant, text_or_none

# --------------------------------------------------------------------------- one occurrence per fact


@dataclass(frozen=True)
class Occurrence:
    kind: str  # the event type
    subject: str  # dossier code, feedback tracking code, explanation code, proposal code …
    key: str  # tells apart several occurrences of one kind for one subject ('' when there is one)
    unit: str | None
    at: datetime
    official: str | None = None
    step: str | None = None
    on_time: bool | None = None
    related: str | None = None  # the dossier (or task, feedback) an explanation or a complaint is about
    detail: dict = field(default_factory=dict)


def _iso(value) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def occurrence_from_event(event_type: str, data: Mapping, event_at: datetime) -> Occurrence:
    """The occurrence an event is counted as (ISO strings in `data` parsed); ValueError for a type that is
    not one. Raises InvalidInput for an instant that can never be read."""
    get = data.get
    if event_type == "dossier.handed_over":
        moment = parse_instant(data["at"], "at")
        return Occurrence(event_type, data["code"], f"{_iso(moment.astimezone(UTC))}|{get('from_step') or ''}",
                          get("to_unit") or data["unit"], moment, official=get("from_official"),
                          step=get("from_step"), on_time=get("step_on_time"),
                          detail={k: text_or_none(get(k)) for k in ("to_step", "to_official", "to_unit",
                                                                    "step_budget_days", "step_used_days")})
    if event_type == "dossier.supplement_requested":
        return Occurrence(event_type, data["code"], str(data["request_number"]), data["unit"],
                          parse_instant(data["at"], "at"), official=get("official"),
                          detail={"request_number": data["request_number"],
                                  "counts_as_late": bool(data["counts_as_late"]), "reasons": list(data["reasons"])})
    if event_type == "dossier.supplement_received":
        moment = parse_instant(data["at"], "at")
        return Occurrence(event_type, data["code"], _iso(moment.astimezone(UTC)), data["unit"], moment,
                          detail={"paused_days": text_or_none(data["paused_days"]),
                                  "due_at": text_or_none(data["due_at"])})
    if event_type == "dossier.marked_late":
        return Occurrence(event_type, data["code"], data["reason"], data["unit"], parse_instant(data["at"], "at"),
                          official=get("official"), detail={"reason": data["reason"]})
    if event_type == "dossier.deadline_changed":
        due = parse_instant(data["due_at"], "due_at")
        return Occurrence(event_type, data["code"], _iso(due.astimezone(UTC)), data["unit"], event_at,
                          detail={"reason": data["reason"], "previous_due_at": text_or_none(data["previous_due_at"]),
                                  "due_at": text_or_none(data["due_at"])})
    if event_type == "dossier.apology_issued":
        return Occurrence(event_type, data["code"], "", data["unit"], parse_instant(data["issued_at"], "issued_at"),
                          official=get("official"), step=get("step"),
                          detail={"reason": data["reason"], "previous_due_at": text_or_none(data["previous_due_at"]),
                                  "due_at": text_or_none(data["due_at"])})
    if event_type in ("dossier.apology_missed", "dossier.promise_broken"):
        # Once per dossier: a late dossier without its unit's apology is a breach in itself (Decree
        # 61/2018/ND-CP art. 19); an apologised one that misses its promised date fails a second time.
        return Occurrence(event_type, data["code"], "", data["unit"], parse_instant(data["detected_at"], "detected_at"),
                          official=get("official"), step=get("step"), on_time=False,
                          detail={"due_at": text_or_none(data["due_at"]),
                                  "promised_at": text_or_none(get("promised_at"))})
    if event_type in ("dossier.returned", "dossier.refused", "dossier.withdrawn", "dossier.stopped"):
        return Occurrence(event_type, data["code"], "", data["unit"], parse_instant(data["at"], "at"),
                          official=get("official"), detail={"reason": get("reason")})
    if event_type == "dossier.sent_back":
        moment = parse_instant(data["at"], "at")
        return Occurrence(event_type, data["code"], _iso(moment.astimezone(UTC)), data["unit"], moment,
                          official=get("official"), on_time=not data["officials_fault"],
                          detail={"reason": data["reason"], "officials_fault": bool(data["officials_fault"]),
                                  "times_for_fault": data["times_for_fault"]})
    if event_type == "explanation.requested":
        return Occurrence(event_type, data["code"], "", data["unit"], event_at, official=data["official"],
                          related=data["subject"],
                          detail={"subject_type": data["subject_type"], "role": data["role"],
                                  "due_at": text_or_none(data["due_at"]), "reason": data["reason"]})
    if event_type == "explanation.submitted":
        submitted, due = parse_instant(data["submitted_at"], "submitted_at"), parse_instant(data["due_at"], "due_at")
        return Occurrence(event_type, data["code"], "", data["unit"], submitted, official=data["official"],
                          on_time=submitted <= due, related=data["subject"],
                          detail={"subject_type": data["subject_type"]})
    if event_type == "explanation.missed":
        return Occurrence(event_type, data["code"], "", data["unit"], parse_instant(data["detected_at"], "detected_at"),
                          official=data["official"], on_time=False, related=data["subject"],
                          detail={"subject_type": data["subject_type"], "due_at": text_or_none(data["due_at"])})
    if event_type in ("explanation.accepted", "explanation.rejected"):
        return Occurrence(event_type, data["code"], "", data["unit"], parse_instant(data["judged_at"], "judged_at"),
                          official=data["official"], detail={"reason": data["reason"], "judged_by": data["judged_by"]})
    if event_type == "violation.recorded":
        return Occurrence(event_type, data["code"], "", data["unit"], parse_instant(data["recorded_at"], "recorded_at"),
                          official=data["official"], related=data["source"],
                          detail={"kind": data["kind"], "responsibility": data["responsibility"],
                                  "source_type": data["source_type"], "fact_date": text_or_none(data["fact_date"])})
    if event_type == "sanction.proposed":
        return Occurrence(event_type, data["code"], "", data["unit"], event_at, official=data["official"],
                          detail={"rule": data["rule"], "rule_set": data["rule_set"], "form": data["form"]})
    if event_type == "sanction.decided":
        return Occurrence(event_type, data["code"], "", data["unit"], parse_instant(data["decided_at"], "decided_at"),
                          official=data["official"], related=data["proposal"],
                          detail={"form": data["form"], "rule_set": data["rule_set"],
                                  "in_force_until": text_or_none(data["in_force_until"])})
    if event_type == "sanction.dropped":
        return Occurrence(event_type, data["proposal"], "", data["unit"], parse_instant(data["at"], "at"),
                          official=data["official"], detail={"reason": data["reason"]})
    if event_type == "feedback.received":
        return Occurrence(event_type, data["code"], "", get("unit"), parse_instant(data["received_at"], "received_at"),
                          official=get("official"), related=get("dossier_code"),
                          detail={"channel": data["channel"], "category": data["category"]})
    if event_type in FEEDBACK_STEPS:
        moment = parse_instant(data["at"], "at")
        # A forward is counted for the unit that forwarded it; the other steps for the unit handling it.
        unit = get("from_unit") if event_type == "feedback.forwarded" and get("from_unit") else get("unit")
        return Occurrence(event_type, data["code"], _iso(moment.astimezone(UTC)), unit, moment,
                          on_time=bool(data["on_time"]), detail={"reason": get("reason"), "to_unit": get("unit")})
    if event_type == "feedback.overdue":
        due = parse_instant(data["due_at"], "due_at")
        return Occurrence(event_type, data["code"], f"{data['stage']}|{_iso(due.astimezone(UTC))}", get("unit"),
                          parse_instant(data["detected_at"], "detected_at"), official=get("official"),
                          step=data["stage"], on_time=False, detail={"due_at": text_or_none(data["due_at"])})
    if event_type == "task.progress_reported":
        # Counted for the task's lead unit (the Monday list is by lead unit); a co-operating unit may report.
        moment = parse_instant(data["reported_at"], "reported_at")
        return Occurrence(event_type, data["code"], f"{data['unit']}|{_iso(moment.astimezone(UTC))}",
                          data["lead_unit"], moment, detail={"percent": data["percent"], "reported_by": data["unit"]})
    raise ValueError(f"{event_type} is not counted as an occurrence")


OCCURRENCE_EVENTS = (
    "dossier.handed_over", "dossier.supplement_requested", "dossier.supplement_received", "dossier.marked_late",
    "dossier.deadline_changed", "dossier.apology_issued", "dossier.apology_missed", "dossier.promise_broken",
    "dossier.returned", "dossier.refused",
    "dossier.withdrawn", "dossier.stopped", "dossier.sent_back",
    "explanation.requested", "explanation.submitted", "explanation.missed", "explanation.accepted",
    "explanation.rejected", "violation.recorded", "sanction.proposed", "sanction.decided", "sanction.dropped",
    "feedback.received", "feedback.forwarded", "feedback.refused", "feedback.answered", "feedback.published",
    "feedback.sent_back", "feedback.clarification_requested", "feedback.overdue", "task.progress_reported",
)
# Every step of handling feedback with a deadline (refuse, send back or forward within 2 working days, ask
# for more within 5, answer within 15, publish within 2: Decree 20/2008/ND-CP as amended).
FEEDBACK_STEPS = ("feedback.forwarded", "feedback.refused", "feedback.answered", "feedback.published",
                  "feedback.sent_back", "feedback.clarification_requested")


# --------------------------------------------------------------------------- figures and their drill-downs

# Dossier figures: the Tally attribute a dossier's standing must have (None: every dossier in scope).
DOSSIER_FIGURES: dict[str, str | None] = {"received": None, "early": "completed_early",
                                          "finished_on_time": "completed_on_time", "on_time": "on_time",
                                          "late": "completed_late", "open_within": "open_within",
                                          "overdue_open": "open_overdue"}
# Occurrence figures: the kinds counted, and which of them ('late': not on time; 'fault': officials' fault).
OCCURRENCE_FIGURES: dict[str, tuple[tuple[str, ...], str | None]] = {
    "supplements": (("dossier.supplement_requested",), None),
    "returned_for_fault": (("dossier.sent_back",), "fault"),
    "feedback_late": ((*FEEDBACK_STEPS, "feedback.overdue"), "late"),
    "explanations": (("explanation.requested",), None),
    "explanations_missed": (("explanation.missed",), None),
    "proposals": (("sanction.proposed",), None),
    "decisions": (("sanction.decided",), None),
    "apologies": (("dossier.apology_issued",), None),
    "promises_broken": (("dossier.promise_broken",), None),
    "late_without_apology": (("dossier.apology_missed",), None),
}


# --------------------------------------------------------------------------- stored counters of the other figures
#
# The composite ranking of a thousand units reads, besides the dossier tallies and the task counters, a
# few counts of occurrences and ratings per unit. Like the dossiers' `scorecards`, each unit keeps a row
# per month of those counts (`figure_months`), added to when an occurrence or a rating is stored for the
# first time (its natural key makes a copy add nothing); the counts of whole months are the sum of their
# rows. An occurrence and a rating never change unit or instant once stored, so a row is only ever added to.

FIGURE_COUNTERS = ("explanations_requested", "explanations_missed", "feedback_handled", "feedback_on_time",
                   "feedback_overdue", "ratings", "ratings_satisfied")
_EXPLANATION_REQUESTED = (1, 0, 0, 0, 0, 0, 0)
_EXPLANATION_MISSED = (0, 1, 0, 0, 0, 0, 0)
_FEEDBACK_LATE = (0, 0, 1, 0, 0, 0, 0)
_FEEDBACK_ON_TIME = (0, 0, 1, 1, 0, 0, 0)
_FEEDBACK_OVERDUE = (0, 0, 0, 0, 1, 0, 0)


def occurrence_figure_counts(kind: str, on_time: bool | None) -> tuple[int, ...] | None:
    """What one occurrence adds to its unit's month row of FIGURE_COUNTERS; None when it counts in none.
    The same rules as the scorecard's counts: every feedback step is handled, on time when it says so."""
    if kind == "explanation.requested":
        return _EXPLANATION_REQUESTED
    if kind == "explanation.missed":
        return _EXPLANATION_MISSED
    if kind in FEEDBACK_STEPS:
        return _FEEDBACK_ON_TIME if on_time else _FEEDBACK_LATE
    if kind == "feedback.overdue":
        return _FEEDBACK_OVERDUE
    return None


def rating_figure_counts(overall: int) -> tuple[int, ...]:
    """What one rating adds to its unit's month row: a rating, satisfied when rated 4 or 5."""
    return (0, 0, 0, 0, 0, 1, 1 if overall >= 4 else 0)


def add_counts(first: Sequence[int], second: Sequence[int]) -> tuple[int, ...]:
    return tuple(a + b for a, b in zip(first, second, strict=True))
