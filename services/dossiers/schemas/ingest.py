"""Schemas of external ingest: what external one-stop systems send as each event's `data` (the contract in
docs/architecture.md, "External ingest"), read into the steps the use cases apply; and the answers."""

import json

from marshmallow import EXCLUDE, INCLUDE, Schema, ValidationError, fields, pre_load, validate

from services.dossiers.domain import ingest as rules
from services.dossiers.use_cases.ingest import ExternalEvent
from shared.errors import InvalidInput
from shared.events.envelope import Event, InvalidEvent
from shared.text import illegal_characters
from shared.web import LocalDateTime, page_schema

# What external one-stop systems send as each event's `data` (the contract in docs/architecture.md).
# Lenient: fields they add are ignored, and nothing this platform computes (due dates, budgets,
# timeliness, responsibility) is asked of them. The catalog's schemas are what dossiers itself emits.

class _IngestData(Schema):
    class Meta:
        unknown = EXCLUDE

    @pre_load
    def _no_control_characters(self, data, **kwargs):
        # External systems reach the platform without the HTTP edge's guards (AMQP): the same rule here.
        found = illegal_characters(data) if isinstance(data, dict) else {}
        if found:
            raise ValidationError(found)
        return data

    code = fields.String(required=True, validate=validate.Length(min=1, max=64),
                         metadata={"description": "dossier code (mã hồ sơ)"})
    unit = fields.String(required=True, validate=validate.Length(min=1, max=64),
                         metadata={"description": "unit that handles the dossier; must be one of the publisher's"})


class IngestReceivedData(_IngestData):
    procedure_code = fields.String(required=True, validate=validate.Length(min=1, max=64))
    received_at = fields.AwareDateTime(required=True)
    assignee = fields.String(data_key="handler", load_default=None, allow_none=True, validate=validate.Length(max=64),
                             metadata={"description": "the receiving official"})


class IngestHandedOverData(_IngestData):
    at = fields.AwareDateTime(required=True)
    from_step = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))
    to_step = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64),
                            metadata={"description": "step started; null when the result is ready"})
    from_official = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))
    to_official = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))
    to_unit = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))


class IngestSupplementRequestedData(_IngestData):
    at = fields.AwareDateTime(required=True)
    reasons = fields.List(fields.String(validate=validate.Length(min=1)), required=True,
                          validate=validate.Length(min=1))
    official = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))


class IngestSupplementReceivedData(_IngestData):
    at = fields.AwareDateTime(required=True)
    official = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))


class IngestCompletedData(_IngestData):
    completed_at = fields.AwareDateTime(required=True, metadata={"description": "when the result was ready"})
    official = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))


class IngestEndedData(_IngestData):
    at = fields.AwareDateTime(required=True)
    reason = fields.String(load_default=None, allow_none=True, metadata={"description": "required for refused"})
    official = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))


INGEST_DATA = {
    rules.INGEST_RECEIVED: IngestReceivedData(),
    rules.INGEST_HANDED_OVER: IngestHandedOverData(),
    rules.INGEST_SUPPLEMENT_REQUESTED: IngestSupplementRequestedData(),
    rules.INGEST_SUPPLEMENT_RECEIVED: IngestSupplementReceivedData(),
    rules.INGEST_COMPLETED: IngestCompletedData(),
    **{event_type: IngestEndedData() for event_type in rules.INGEST_ENDS},
}


def read_step(event_type: str, data: dict) -> rules.ExternalStep:
    """An external event's data as the step it asks for; InvalidInput naming the fields otherwise."""
    if event_type not in INGEST_DATA:
        raise InvalidInput(f"{event_type!r} is not an event type external systems may send",
                           {"type": [f"use one of {', '.join(rules.INGEST_TYPES)}"]})
    try:
        values = INGEST_DATA[event_type].load(data)
    except ValidationError as exc:
        raise InvalidInput(f"{event_type} data cannot be read", exc.normalized_messages()) from exc
    if "reasons" in values:
        values["reasons"] = tuple(values["reasons"])
    return rules.STEP_TYPES[event_type](type=event_type, **values)


def read_external_event(event: Event) -> ExternalEvent:
    """An event from `kycuong.ingest`, read; data that does not meet the contract is judged by the use case,
    after who sent it."""
    try:
        return ExternalEvent(event, step=read_step(event.type, event.data))
    except InvalidInput as exc:
        return ExternalEvent(event, invalid=exc)


def read_posted_event(item) -> ExternalEvent:
    """One item of POST /ingest/events, read: a structured CloudEvent with an id the inbox can key."""
    try:
        event = Event.from_json(json.dumps(item, default=str))
    except InvalidEvent as exc:
        return ExternalEvent(None, refused=rules.IngestRefused(rules.INVALID_EVENT, str(exc), {"event": [str(exc)]}),
                             raw_id=_item_id(item))
    if len(event.id) > rules.EVENT_ID_MAX:
        return ExternalEvent(event, refused=rules.IngestRefused(
            rules.INVALID_EVENT, f"the event id is longer than {rules.EVENT_ID_MAX} characters",
            {"id": [f"at most {rules.EVENT_ID_MAX} characters"]}))
    return read_external_event(event)


def _item_id(item) -> str | None:
    value = item.get("id") if isinstance(item, dict) else None
    return str(value)[:255] if value is not None else None


class CloudEventIn(Schema):
    """One CloudEvent in structured JSON, as in `application/cloudevents+json`; checked event by event
    (with the cloudevents SDK), so one bad event does not turn away the batch."""

    class Meta:
        unknown = INCLUDE

    specversion = fields.Raw(metadata={"description": "1.0"})
    id = fields.Raw(metadata={"description": "unique per event (at most 64 characters): a re-sent event has "
                                             "its effect once"})
    source = fields.Raw(metadata={"description": "the publishing system, e.g. /mot-cua/ha-noi"})
    type = fields.Raw(metadata={"description": ", ".join(rules.INGEST_TYPES)})
    time = fields.Raw(metadata={"description": "when the event was published, with an offset"})
    subject = fields.Raw(metadata={"description": "the dossier code"})
    data = fields.Raw(metadata={"description": "see docs/architecture.md, External ingest"})


class IngestResultOut(Schema):
    id = fields.String(allow_none=True)
    type = fields.String(allow_none=True)
    outcome = fields.String(metadata={"description": "accepted, duplicate (already had its effect), waiting "
                                                     "(for the event it depends on) or rejected"})
    reason = fields.String(allow_none=True, metadata={"description": "why it was rejected: "
                                                                     + ", ".join(rules.REJECTION_LABELS_VI)})
    message = fields.String(allow_none=True)
    errors = fields.Dict(metadata={"description": "messages per field"})


class IngestBatchOut(Schema):
    accepted = fields.Integer()
    duplicate = fields.Integer()
    waiting = fields.Integer()
    rejected = fields.Integer()
    results = fields.List(fields.Nested(IngestResultOut), metadata={"description": "one per event, in order"})


class RejectionQuery(Schema):
    since = fields.AwareDateTime(load_default=None, metadata={"description": "only rejections from this instant"})


class RejectionCountOut(Schema):
    publisher = fields.String(allow_none=True)
    reason = fields.String()
    label = fields.String(metadata={"description": "the reason in Vietnamese"})
    count = fields.Integer()
    last_at = LocalDateTime()


class RejectionOut(Schema):
    event_id = fields.String(allow_none=True)
    publisher = fields.String(allow_none=True)
    reason = fields.String()
    channel = fields.String(metadata={"description": "amqp or http"})
    event_type = fields.String(allow_none=True)
    unit = fields.String(allow_none=True)
    dossier_code = fields.String(allow_none=True)
    detail = fields.String()
    rejected_at = LocalDateTime()


class RejectionSummaryOut(Schema):
    total = fields.Integer()
    counts = fields.List(fields.Nested(RejectionCountOut), metadata={"description": "by publisher and reason"})
    recent = fields.List(fields.Nested(RejectionOut), metadata={"description": "the latest 50"})


class WaitingOut(Schema):
    event_id = fields.String()
    event_type = fields.String()
    dossier_code = fields.String()
    unit = fields.String()
    publisher = fields.String(allow_none=True)
    occurred_at = LocalDateTime()
    waiting_for = fields.String(metadata={"description": "the event type it waits for"})
    parked_at = LocalDateTime()


WaitingPage = page_schema(WaitingOut, "WaitingPage")
