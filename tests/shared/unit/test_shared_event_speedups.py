"""The quick paths of recording an event give exactly what the slow ones give.

Strict validation answers "valid" from a check derived once per event type, and the outbox body is
written without building an SDK `CloudEvent`. Both exist for speed only (docs/benchmarks.md, overdue
sweep); these tests prove, on every type of the catalog and on the envelope's edge cases, that a
producer bug is still refused with marshmallow's own messages and that the bytes are the SDK's.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from cloudevents.core.exceptions import BaseCloudEventException
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent
from marshmallow import ValidationError, fields, validate

from shared.errors import InvalidInput
from shared.events import catalog
from shared.events.catalog import CATALOG, validate_data
from shared.events.envelope import Event

HANOI = timezone(timedelta(hours=7))
WHEN = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)
# The types the deadline sweeps record by the thousand: they must take the quick path.
SWEEP_TYPES = ("dossier.overdue", "dossier.due_soon", "task.overdue", "task.due_soon", "feedback.overdue",
               "feedback.due_soon")


def marshmallow_errors(event_type: str, data, strict: bool) -> dict:
    """The reference: the catalog's schema alone, as validate_data worked before the quick path."""
    try:
        catalog._schema(event_type, strict).load(data)
    except ValidationError as exc:
        return exc.normalized_messages()
    return {}


def valid_value(fld: fields.Field):
    """A value the field accepts: the first candidate of its kind that the field itself deserialises."""
    if isinstance(fld, fields.List):
        return [valid_value(fld.inner)]
    if isinstance(fld, fields.Nested):
        return {name: valid_value(inner) for name, inner in fld.schema.load_fields.items()}
    if isinstance(fld, fields.Dict):
        return {}
    choices = [list(rule.choices)[0] for rule in fld.validators if isinstance(rule, validate.OneOf)]
    by_kind = {fields.Boolean: [True], fields.Integer: [1, 0, 100], fields.Float: [1.5], fields.Decimal: ["1.5"],
               fields.AwareDateTime: ["2026-11-16T09:00:00+07:00"], fields.Date: ["2026-11-16"],
               fields.String: ["Hà Nội", "x", "2026", "2026-11"]}
    candidates = [*choices, *by_kind.get(type(fld), [])]
    for candidate in candidates:
        try:
            fld.deserialize(candidate)
        except ValidationError:
            continue
        return candidate
    raise AssertionError(f"no candidate fits {fld!r}: add one")


def valid_data(event_type: str) -> dict:
    schema = catalog._schema(event_type, True)
    return {name: valid_value(fld) for name, fld in schema.load_fields.items()}


# Values a buggy producer might put in any field: wrong types, empty or too long text, instants that are
# naive, malformed or objects, booleans where numbers go, numbers out of range, bytes (decoded by
# marshmallow's String, broken UTF-8 refused).
ODD_VALUES = [None, "", "x" * 65, "x" * 300, "Nguyễn Thị Ánh", 0, -1, 1, 10**6, True, False, 1.5, "1", "true",
              b"bytes", b"\xff", [], ["a"], {}, "yesterday", "2026-11-16", "2026-11-16T09:00:00",
              "2026-11-16T09:00:00Z", "2026-11-16T09:00:00+07:00", "20261116T090000+0700", "2026-02-30T09:00:00Z",
              datetime(2026, 11, 16, 9, 0, tzinfo=HANOI), datetime(2026, 11, 16, 9, 0), "on_time", "late", "overran",
              "2026-Q4", "01"]


def variants(event_type: str):
    """The valid data, then each field missing, then each field holding each odd value, then an unknown
    field, then things that are not a plain dict."""
    base = valid_data(event_type)
    yield "valid", base
    for name in base:
        yield f"{name} missing", {k: v for k, v in base.items() if k != name}
        for value in ODD_VALUES:
            yield f"{name}={value!r}", {**base, name: value}
    yield "unknown field", {**base, "added_later": "x"}
    yield "ordered dict", OrderedDict(base)
    yield "a list", [base]
    yield "None", None


@pytest.mark.parametrize("event_type", list(CATALOG))
@pytest.mark.parametrize("strict", [True, False], ids=["producer", "consumer"])
def test_validation_gives_marshmallows_verdict_on_every_type_and_many_bad_values(event_type, strict):
    assert marshmallow_errors(event_type, valid_data(event_type), strict) == {}, "the generated data must be valid"
    for label, data in variants(event_type):
        assert validate_data(event_type, data, strict=strict) == marshmallow_errors(event_type, data, strict), label


# Types with a field kind the quick check does not cover (dates, decimals, lists…) always go to
# marshmallow; the test above covers them too.
QUICK_TYPES = [name for name in CATALOG if catalog._plain_check(name, True) is not None]


@pytest.mark.parametrize("event_type", QUICK_TYPES)
def test_the_quick_check_only_ever_says_valid_for_data_marshmallow_accepts(event_type):
    check = catalog._plain_check(event_type, True)
    assert check(valid_data(event_type)), "the plain valid case takes the quick path"
    for label, data in variants(event_type):
        if check(data):
            assert marshmallow_errors(event_type, data, True) == {}, label


def test_the_sweeps_event_types_take_the_quick_path():
    for event_type in SWEEP_TYPES:
        assert catalog._plain_check(event_type, True) is not None, event_type


def test_a_producer_bug_still_fails_loudly_naming_the_field():
    from shared.clock import ManualClock
    from shared.uow import UnitOfWork

    class Runtime:
        clock = ManualClock(WHEN)
        calendar = settings = None
        source = "/kycuong/ha-noi/dossiers"

    uow = UnitOfWork(Runtime())
    data = {**valid_data("dossier.overdue"), "due_at": "2026-11-13T09:00:00", "stray": 1}
    with pytest.raises(InvalidInput) as refused:
        uow.record("dossier.overdue", "HS-1", data, unit="HN-SXD")
    assert refused.value.errors == {"due_at": ["Not a valid aware datetime."], "stray": ["Unknown field."]}
    assert uow.events == []


# --- the outbox body -----------------------------------------------------------------------------

def sdk_bytes(event: Event) -> bytes:
    """What the SDK writes for this event, built here independently of Event.to_json."""
    attributes = {"id": event.id, "source": event.source, "type": event.type, "specversion": "1.0",
                  "time": event.time, "subject": event.subject, "datacontenttype": "application/json"}
    for name in ("unit", "correlationid", "causationid", "dataversion"):
        if getattr(event, name) is not None:
            attributes[name] = getattr(event, name)
    return JSONFormat().write(CloudEvent(attributes, event.data))


def event(**changes) -> Event:
    values = {"type": "dossier.overdue", "source": "/kycuong/ha-noi/dossiers", "subject": "HS-1",
              "data": valid_data("dossier.overdue"), "unit": "HN-SXD", "time": WHEN}
    return Event(**{**values, **changes})


ENVELOPES = {
    "plain": event(),
    "vietnamese text and nulls": event(data={"reason": "Hồ sơ thiếu giấy tờ — bổ sung", "official": None}),
    "time with microseconds": event(time=datetime(2026, 11, 16, 2, 0, 5, 123456, tzinfo=UTC)),
    "time in Hà Nội": event(time=datetime(2026, 11, 16, 9, 0, tzinfo=HANOI)),
    "no unit": event(unit=None),
    "caused by another": event().caused(type="explanation.requested", subject="GT-1", data={"n": 1}),
    "nested data, numbers, instants": event(data={"list": [1, 2.5, True, None, {"a": "ư"}], "empty": {},
                                                  "at": datetime(2026, 1, 1, tzinfo=UTC),
                                                  "local": datetime(2026, 1, 1, 7, tzinfo=HANOI)}),
    "empty data": event(data={}),
    "odd characters": event(subject='HS-"1"\\\n', data={"tab": "a\tb", "emoji": "🙂", "nul": "\x00"}),
}


@pytest.mark.parametrize("name", list(ENVELOPES))
def test_the_outbox_body_is_byte_for_byte_the_sdks(name):
    envelope = ENVELOPES[name]
    body = envelope.to_json()
    assert body == sdk_bytes(envelope)
    read_back = JSONFormat().read(None, body)  # the SDK's reader takes it as a CloudEvents 1.0 event
    assert read_back.get_specversion() == "1.0" and read_back.get_id() == envelope.id
    assert JSONFormat().write(read_back) == body
    # Instants inside data travel as text, as they always did; everything else comes back equal.
    assert Event.from_json(body) == replace(envelope, data=json.loads(body)["data"])


@pytest.mark.parametrize("changes, attribute", [
    ({"subject": ""}, "subject"),
    ({"type": ""}, "type"),
    ({"source": ""}, "source"),
    ({"id": ""}, "id"),
    ({"time": datetime(2026, 11, 16, 9, 0)}, "time"),
])
def test_what_the_sdk_refuses_is_still_refused(changes, attribute):
    with pytest.raises(BaseCloudEventException, match=attribute):
        event(**changes).to_json()


def test_data_that_is_not_json_is_refused_as_before():
    with pytest.raises(TypeError, match="not JSON serializable"):
        event(data={"when": datetime(2026, 1, 1).date()}).to_json()


def test_the_body_is_a_structured_json_document_with_the_platform_extensions():
    document = json.loads(ENVELOPES["caused by another"].to_json())
    assert set(document) == {"id", "source", "type", "specversion", "time", "subject", "datacontenttype", "unit",
                             "correlationid", "causationid", "dataversion", "data"}
    assert document["time"] == "2026-11-16T02:00:00Z"


@pytest.mark.parametrize("event_type", list(CATALOG))
def test_what_a_consumer_loads_is_what_marshmallow_loads(event_type):
    """A handler reads `event.values`: the quick loader must give exactly marshmallow's values (datetimes,
    dates, decimals, defaults), and refuse, naming the fields, whatever marshmallow refuses."""
    schema = catalog._schema(event_type, False)
    for label, data in variants(event_type):
        try:
            expected = schema.load(data)
        except ValidationError as exc:
            with pytest.raises(InvalidInput) as refused:
                catalog.load(event_type, data)
            assert refused.value.errors == exc.normalized_messages(), label
            continue
        loaded = catalog.load(event_type, data)
        assert loaded == expected, label
        assert {k: type(v) for k, v in loaded.items()} == {k: type(v) for k, v in expected.items()}, label


def test_every_type_a_consumer_reads_by_the_thousand_takes_the_quick_loader():
    # ranking.updated (nested entries) comes once per re-ranking of a period, not once per dossier.
    slow = [name for name in CATALOG if catalog._plain_load(name, False) is None]
    assert slow == ["ranking.updated"], f"types that fall back to marshmallow on every event: {slow}"
