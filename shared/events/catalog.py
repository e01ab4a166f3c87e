"""The event catalog: one marshmallow schema per event type, the single source of `docs/events.md`.

Producers validate strictly (an unknown field is a bug in the producer); consumers validate leniently
(unknown fields are ignored, so producers can evolve by adding optional fields). A breaking change is a
new type. Events carry codes, never a citizen's name, phone, e-mail or ID number.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from marshmallow import EXCLUDE, RAISE, ValidationError, fields, missing, validate

from shared.errors import InvalidInput
from shared.events.schemas import (
    DossierApologyIssued,
    DossierApologyMissed,
    DossierCompleted,
    DossierDeadlineChanged,
    DossierDueSoon,
    DossierEnded,
    DossierHandedOver,
    DossierMarkedLate,
    DossierOverdue,
    DossierPromiseBroken,
    DossierReceived,
    DossierSentBack,
    DossierSupplementReceived,
    DossierSupplementRequested,
    EventData,
    ExplanationJudged,
    ExplanationMissed,
    ExplanationRequested,
    ExplanationSubmitted,
    FeedbackDeadline,
    FeedbackHandled,
    FeedbackReceived,
    HeadAssigned,
    InspectionRecorded,
    MisconductReported,
    OfficialUpserted,
    PlanSelfAssessed,
    PlanSubmitted,
    RankingUpdated,
    RatingSubmitted,
    ReportIssued,
    SanctionDecided,
    SanctionDropped,
    SanctionProposed,
    SanctionStepRecorded,
    SurveyRoundOpened,
    TaskAssigned,
    TaskCompleted,
    TaskDueSoon,
    TaskExtensionDecided,
    TaskExtensionRequested,
    TaskOverdue,
    TaskProgressReported,
    UnitUpserted,
    ViolationRecorded,
)


@dataclass(frozen=True)
class EventType:
    name: str
    schema: type[EventData]
    producer: str
    description: str


CATALOG: dict[str, EventType] = {
    t.name: t
    for t in [
        EventType("directory.unit_upserted", UnitUpserted, "discipline", "A unit was created or changed."),
        EventType("directory.official_upserted", OfficialUpserted, "discipline",
                  "An official was created or changed."),
        EventType("directory.head_assigned", HeadAssigned, "discipline",
                  "An official became head (or deputy) of a unit from a date; published again when a "
                  "term's `until` is set."),
        EventType("dossier.received", DossierReceived, "dossiers",
                  "A dossier was received; its legal deadline is running. Also the type external one-stop "
                  "systems publish on `kycuong.ingest`."),
        EventType("dossier.completed", DossierCompleted, "dossiers",
                  "A dossier was finished, early, on time or late; a late one names who overran."),
        EventType("dossier.overdue", DossierOverdue, "dossiers",
                  "An open dossier passed its due time (once per dossier and due date)."),
        EventType("dossier.handed_over", DossierHandedOver, "dossiers",
                  "A dossier passed from one step (and official) to the next: a line of the control sheet."),
        EventType("dossier.supplement_requested", DossierSupplementRequested, "dossiers",
                  "The citizen was asked to supplement the dossier, with reasons; the clock pauses."),
        EventType("dossier.supplement_received", DossierSupplementReceived, "dossiers",
                  "The citizen supplemented the dossier; the clock resumes and the due instant moves."),
        EventType("dossier.marked_late", DossierMarkedLate, "dossiers",
                  "A dossier is counted late whatever its dates (a second supplement request)."),
        EventType("dossier.deadline_changed", DossierDeadlineChanged, "dossiers",
                  "A running dossier's due instant moved (calendar change, supplement, apology)."),
        EventType("dossier.apology_issued", DossierApologyIssued, "dossiers",
                  "The unit at fault apologised to the citizen, signed by its head, and promised a new return "
                  "date (once); the legal due date stays the measure of lateness."),
        EventType("dossier.apology_missed", DossierApologyMissed, "dossiers",
                  "A dossier passed its legal due date without its unit's apology: a breach in itself "
                  "(once per dossier)."),
        EventType("dossier.promise_broken", DossierPromiseBroken, "dossiers",
                  "An apologised dossier passed the return date its apology promised: a second failure "
                  "(once per dossier)."),
        EventType("dossier.due_soon", DossierDueSoon, "dossiers",
                  "A warning point before a dossier's deadline was reached (once per dossier, due date, point)."),
        EventType("dossier.returned", DossierEnded, "dossiers", "The result was handed to the citizen."),
        EventType("dossier.refused", DossierEnded, "dossiers", "The dossier was refused, with a reason."),
        EventType("dossier.withdrawn", DossierEnded, "dossiers", "The citizen withdrew the dossier."),
        EventType("dossier.stopped", DossierEnded, "dossiers", "Handling was stopped, with a reason."),
        EventType("dossier.sent_back", DossierSentBack, "dossiers",
                  "The dossier was sent back to the citizen; officials' own fault counted."),
        EventType("explanation.requested", ExplanationRequested, "discipline",
                  "An official or a unit's head was asked to explain a delay."),
        EventType("sanction.proposed", SanctionProposed, "discipline",
                  "A sanction rule's threshold was met; a disciplinary form is proposed."),
        EventType("explanation.submitted", ExplanationSubmitted, "discipline",
                  "An official submitted the explanation asked of them."),
        EventType("explanation.accepted", ExplanationJudged, "discipline",
                  "The head or an inspector accepted an explanation, with a reason."),
        EventType("explanation.rejected", ExplanationJudged, "discipline",
                  "The head or an inspector rejected an explanation, with a reason."),
        EventType("explanation.missed", ExplanationMissed, "discipline",
                  "An explanation was not submitted by its deadline; that is itself a violation."),
        EventType("violation.recorded", ViolationRecorded, "discipline",
                  "A violation was recorded against an official, directly or as the head's joint liability."),
        EventType("sanction.step_recorded", SanctionStepRecorded, "discipline",
                  "A proposal passed a step: review meeting, council, recommendation, decision."),
        EventType("sanction.decided", SanctionDecided, "discipline",
                  "A disciplinary decision was taken; it is in force 12 months from its effective date."),
        EventType("sanction.dropped", SanctionDropped, "discipline",
                  "A proposal was dropped (limitation period, handling time limit, council's finding)."),
        EventType("inspection.recorded", InspectionRecorded, "discipline",
                  "An inspection of a unit by Home Affairs was recorded with its findings."),
        EventType("ranking.updated", RankingUpdated, "reporting", "A period's ranking of units changed."),
        EventType("report.issued", ReportIssued, "reporting",
                  "A periodic report was issued (or re-issued) for a period; its files do not change after."),
        EventType("task.assigned", TaskAssigned, "tasks", "A task was assigned to a lead unit."),
        EventType("task.progress_reported", TaskProgressReported, "tasks",
                  "The lead or a co-operating unit reported progress on a task."),
        EventType("task.completed", TaskCompleted, "tasks", "A task was completed, on time or late."),
        EventType("task.due_soon", TaskDueSoon, "tasks",
                  "A reminder point before a task's deadline was reached (once per task, deadline and point)."),
        EventType("task.overdue", TaskOverdue, "tasks",
                  "A task passed its deadline without being completed (once per task and deadline)."),
        EventType("task.extension_requested", TaskExtensionRequested, "tasks",
                  "The lead unit asked for a later deadline, with a reason."),
        EventType("task.extension_decided", TaskExtensionDecided, "tasks",
                  "The assigner approved (the deadline moved) or refused an extension."),
        EventType("feedback.received", FeedbackReceived, "feedback",
                  "Feedback was received (no personal data of the reporter)."),
        EventType("feedback.forwarded", FeedbackHandled, "feedback",
                  "Feedback outside the unit's authority was forwarded to the competent unit."),
        EventType("feedback.refused", FeedbackHandled, "feedback", "Feedback was refused, with a reason."),
        EventType("feedback.sent_back", FeedbackHandled, "feedback",
                  "Feedback was sent back to the reporter (not for the platform to handle), with a reason."),
        EventType("feedback.clarification_requested", FeedbackHandled, "feedback",
                  "The reporter was asked for more information; the answer's clock waits for it."),
        EventType("feedback.answered", FeedbackHandled, "feedback", "Feedback was answered."),
        EventType("feedback.published", FeedbackHandled, "feedback", "The answer was published."),
        EventType("feedback.due_soon", FeedbackDeadline, "feedback",
                  "A handling deadline is near (once per feedback, stage and deadline)."),
        EventType("feedback.overdue", FeedbackDeadline, "feedback",
                  "A handling deadline passed unanswered (once per feedback, stage and deadline)."),
        EventType("rating.submitted", RatingSubmitted, "feedback",
                  "A citizen rated a returned dossier or an answered feedback (one rating per token)."),
        EventType("survey.round_opened", SurveyRoundOpened, "feedback",
                  "A unit's monthly satisfaction survey invited a sample of the month's returned dossiers."),
        EventType("plan.submitted", PlanSubmitted, "tasks",
                  "An official submitted a work plan for a week, a month or a quarter."),
        EventType("plan.self_assessed", PlanSelfAssessed, "tasks",
                  "An official assessed their own plan at the end of its period."),
        EventType("misconduct.reported", MisconductReported, "feedback",
                  "A report of harassment, extortion or deliberate delay about a unit or a named official."),
    ]
}


class UnknownEventType(KeyError):
    pass


@functools.cache
def _schema(event_type: str, strict: bool) -> EventData:
    # Building a marshmallow schema costs more than validating with it: sweeps validate thousands.
    return CATALOG[event_type].schema(unknown=RAISE if strict else EXCLUDE)


# --- the quick "valid" answer ----------------------------------------------------------------------
# A sweep records thousands of events per run, and marshmallow's Schema.load spends most of its ~25 µs
# per event on machinery around the fields (error store, getters, an `And` built per field per call).
# For the field kinds most event types use, a plain check derived once per type from the same schema
# object (its required and allow_none flags, the parser marshmallow uses for instants, the field's own
# validators) answers "valid" in a few µs. It never answers "invalid": when data is not plainly valid, or
# a type uses anything it does not cover, the schema loads the data and names the fields, so every error
# is still marshmallow's. tests/shared/unit/test_shared_event_speedups.py checks both agree on every type.

_ABSENT = object()
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class _NotPlain(Exception):
    """The value is not the plain valid case; let marshmallow judge it."""


def _plain_loader(fld: fields.Field) -> Callable[[Any], Any] | None:
    """What `fld.deserialize` returns for a plainly valid, non-null value (raising for anything else), or
    None when this field kind or option is not covered."""
    if fld.pre_load or fld.post_load:
        return None
    kind = type(fld)
    if kind is fields.String:
        def load(value):
            if type(value) is not str:  # bytes are decoded by marshmallow: its call
                raise _NotPlain
            return value
    elif kind is fields.AwareDateTime and fld.format in ("iso", "iso8601") and fld.default_timezone is None:
        def load(value):
            if type(value) is not str:
                raise _NotPlain
            parsed = datetime.fromisoformat(value)  # marshmallow's parser for the "iso" format
            if parsed.tzinfo is None or parsed.tzinfo.utcoffset(parsed) is None:
                raise _NotPlain
            return parsed
    elif kind is fields.Integer and not fld.as_string:
        def load(value):
            if type(value) is not int:  # bools, floats and numeric strings: marshmallow's call
                raise _NotPlain
            return value
    elif kind is fields.Boolean and True in fld.truthy and False in fld.falsy:
        def load(value):
            if type(value) is not bool:
                raise _NotPlain
            return value
    elif kind is fields.Date and fld.format in (None, "iso", "iso8601"):
        def load(value):
            if type(value) is not str or not _ISO_DATE.match(value):
                raise _NotPlain
            return date.fromisoformat(value)  # marshmallow's parser for the "iso" format
    elif kind is fields.Decimal and fld.places is None and not fld.allow_nan:  # as_string is for dumping
        def load(value):
            if type(value) not in (int, str):  # floats, bools: marshmallow's call
                raise _NotPlain
            number = Decimal(str(value))  # as marshmallow's Decimal field reads it
            if not number.is_finite():
                raise _NotPlain
            return number
    elif kind is fields.List:
        inner = _plain_loader(fld.inner)
        if inner is None:
            return None

        def load(value):
            if type(value) is not list:
                raise _NotPlain
            return [inner(item) for item in value]
    elif kind is fields.Dict:
        keys = _plain_loader(fld.key_field) if fld.key_field is not None else None
        values = _plain_loader(fld.value_field) if fld.value_field is not None else None
        if (fld.key_field is not None and keys is None) or (fld.value_field is not None and values is None):
            return None

        def load(value):
            if type(value) is not dict:
                raise _NotPlain
            return {keys(k) if keys else k: values(v) if values else v for k, v in value.items()}
    else:
        return None
    if not fld.validators:
        return load
    # The very validators marshmallow runs, combined as it combines them.
    check = validate.And(*fld.validators)

    def load_and_validate(value):
        loaded = load(value)
        check(loaded)
        return loaded
    return load_and_validate


@functools.cache
def _plain_load(event_type: str, strict: bool) -> Callable[[Any], dict | None] | None:
    """A function giving what the type's schema loads from plainly valid data (None for anything else, which
    marshmallow then judges); None for a type it does not cover."""
    schema = _schema(event_type, strict)
    if any(schema._hooks.values()):  # schema-level pre/post-load or validators: marshmallow only
        return None
    rules = []
    for name, fld in schema.load_fields.items():
        loader = _plain_loader(fld)
        if loader is None:
            return None
        default = fld.load_default
        key = fld.data_key if fld.data_key is not None else name
        rules.append((key, fld.attribute or name, fld.required, fld.allow_none, loader, default))
    known = frozenset(key for key, *_ in rules)

    def plain_load(data) -> dict | None:
        if type(data) is not dict or (strict and not known.issuperset(data)):
            return None
        loaded = {}
        try:
            for key, attribute, required, allow_none, loader, default in rules:
                value = data.get(key, _ABSENT)
                if value is _ABSENT:
                    if required:
                        return None
                    if default is not missing:
                        loaded[attribute] = default() if callable(default) else default
                elif value is None:
                    if not allow_none:
                        return None
                    loaded[attribute] = None
                else:
                    loaded[attribute] = loader(value)
        except Exception:  # any doubt goes to marshmallow, which gives the verdict
            return None
        return loaded
    return plain_load


def _plain_check(event_type: str, strict: bool) -> Callable[[Any], bool] | None:
    """True only for data the type's schema loads without error; None for a type it does not cover."""
    plain = _plain_load(event_type, strict)
    if plain is None:
        return None
    return lambda data: plain(data) is not None


def validate_data(event_type: str, data: dict, *, strict: bool) -> dict[str, list[str]]:
    """Field errors of `data` for `event_type` ({} when valid).

    strict=True for producers (unknown fields rejected); False for consumers (unknown fields ignored).
    """
    if event_type not in CATALOG:
        raise UnknownEventType(event_type)
    plain = _plain_load(event_type, strict)
    if plain is not None and plain(data) is not None:
        return {}
    try:
        _schema(event_type, strict).load(data)
    except ValidationError as exc:
        return exc.normalized_messages()
    return {}


def load(event_type: str, data: dict) -> dict:
    """The event's data as values (datetimes, dates, decimals), unknown fields ignored: what a consumer hands
    its handler, validated once. Data that does not match raises InvalidInput naming the fields, so the
    message is dead-lettered with the reason."""
    if event_type not in CATALOG:
        raise UnknownEventType(event_type)
    plain = _plain_load(event_type, False)
    if plain is not None:
        loaded = plain(data)
        if loaded is not None:
            return loaded
    try:
        return _schema(event_type, False).load(data)
    except ValidationError as exc:
        raise InvalidInput(f"invalid data for {event_type}", exc.normalized_messages()) from exc


def describe_markdown() -> str:
    """docs/events.md, generated: `kycuong events --markdown > docs/events.md`."""
    lines = [
        "# Event catalog",
        "",
        "Generated from `shared/events/catalog.py` by `kycuong events --markdown`; do not edit by hand.",
        "",
        "Every event is a CloudEvents 1.0 structured JSON document (`application/cloudevents+json`) with",
        "`id`, `source` (`/kycuong/<instance>/<service>`), `type` (also the routing key on `kycuong.events`),",
        "`time`, `subject` (the aggregate's code), `data`, and the extensions `unit`, `correlationid`,",
        "`causationid`, `dataversion`. Consumers ignore unknown fields and unknown types.",
        "",
    ]
    for entry in CATALOG.values():
        lines += [f"## `{entry.name}`", "", f"Producer: `{entry.producer}`. {entry.description}", "",
                  "| field | type | required | description |", "|---|---|---|---|"]
        for name, fld in entry.schema().fields.items():
            kind = type(fld).__name__
            if isinstance(fld, fields.List):
                kind = f"List[{type(fld.inner).__name__}]"
            desc = fld.metadata.get("description", "")
            if isinstance(fld.validate, validate.OneOf):
                desc = (desc + " " if desc else "") + "one of " + ", ".join(f"`{c}`" for c in fld.validate.choices)
            lines.append(f"| `{name}` | {kind} | {'yes' if fld.required else 'no'} | {desc} |")
        lines.append("")
    return "\n".join(lines)
