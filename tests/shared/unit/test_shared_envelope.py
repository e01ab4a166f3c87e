"""The CloudEvents envelope and the event catalog, without broker or database."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from cloudevents.core.bindings import rabbitmq as ce_rabbitmq
from cloudevents.core.v1.event import CloudEvent

from shared.events.catalog import CATALOG, describe_markdown, validate_data
from shared.events.envelope import Event, InvalidEvent

WHEN = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)


def overdue(**data) -> Event:
    payload = {"code": "HS-1", "procedure_code": "1.001612", "unit": "HN-SXD",
               "received_at": "2026-11-10T09:00:00+07:00", "due_at": "2026-11-13T09:00:00+07:00",
               "detected_at": "2026-11-13T09:00:05+07:00", **data}
    return Event(type="dossier.overdue", source="/kycuong/ha-noi/dossiers", subject="HS-1", data=payload,
                 unit="HN-SXD", time=WHEN)


def test_an_event_round_trips_with_its_extensions_and_vietnamese_text():
    event = overdue(official="CB-Nguyễn")
    parsed = Event.from_json(event.to_json())
    assert parsed == event
    document = json.loads(event.to_json())
    assert document["specversion"] == "1.0"
    assert document["unit"] == "HN-SXD"
    assert document["correlationid"] == event.id  # a chain starts its own correlation
    assert document["data"]["official"] == "CB-Nguyễn"


def test_a_caused_event_keeps_the_correlation_and_names_its_cause():
    first = overdue()
    second = first.caused(type="explanation.requested", subject="GT-1", data={})
    assert second.correlationid == first.correlationid
    assert second.causationid == first.id
    assert second.id != first.id


@pytest.mark.parametrize("body, reason", [
    (b"{not json", "not a CloudEvents JSON document"),
    (b'{"specversion": "1.0", "id": "1", "source": "/x", "type": "t", "time": "2026-01-01T00:00:00Z"}',
     "subject"),
    (b'{"specversion": "1.0", "id": "1", "type": "t", "subject": "s", "time": "2026-01-01T00:00:00Z"}', "source"),
    (b'{"specversion": "1.0", "id": "1", "source": "/x", "type": "t", "subject": "s", '
     b'"time": "2026-01-01T00:00:00Z", "data": [1, 2]}', "JSON object"),
])
def test_unreadable_messages_are_refused_with_a_reason(body, reason):
    with pytest.raises(InvalidEvent, match=reason):
        Event.from_json(body)


def test_binary_mode_cloudevents_from_external_publishers_are_read():
    ce = CloudEvent({"id": "ext-1", "source": "/mot-cua/ha-noi", "type": "dossier.received", "specversion": "1.0",
                     "time": WHEN, "subject": "HS-9", "datacontenttype": "application/json"}, {"code": "HS-9"})
    message = ce_rabbitmq.to_binary_event(ce)
    event = Event.from_message(message.body, message.content_type, message.headers)
    assert (event.id, event.type, event.subject, event.data) == ("ext-1", "dossier.received", "HS-9", {"code": "HS-9"})


def test_producers_are_strict_and_consumers_ignore_unknown_fields():
    data = dict(overdue().data, added_later="ok")
    assert validate_data("dossier.overdue", data, strict=True) == {"added_later": ["Unknown field."]}
    assert validate_data("dossier.overdue", data, strict=False) == {}


def test_missing_and_malformed_fields_are_named():
    data = dict(overdue().data)
    del data["due_at"]
    data["received_at"] = "yesterday"
    errors = validate_data("dossier.overdue", data, strict=False)
    assert set(errors) == {"due_at", "received_at"}


def test_no_event_type_carries_a_citizens_personal_data():
    personal = {"applicant", "name_of_applicant", "phone", "email", "id_number", "address", "reporter"}
    for entry in CATALOG.values():
        assert not personal & set(entry.schema().fields), entry.name


def test_the_catalog_document_lists_every_type_and_its_fields():
    markdown = describe_markdown()
    for name, entry in CATALOG.items():
        assert f"## `{name}`" in markdown
        for field in entry.schema().fields:
            assert f"`{field}`" in markdown


def test_docs_events_md_is_the_generated_catalog():
    from pathlib import Path

    committed = (Path(__file__).resolve().parents[3] / "docs" / "events.md").read_text(encoding="utf-8")
    assert committed.strip() == describe_markdown().strip(), "run `make docs` to regenerate docs/events.md"


def test_a_handler_reads_event_data_as_values_or_gets_the_fields_named():
    from shared.errors import InvalidInput
    from shared.events.catalog import load

    data = load("dossier.overdue", dict(overdue().data, added_later="ignored"))
    assert data["due_at"] == datetime(2026, 11, 13, 2, 0, tzinfo=UTC)
    assert "added_later" not in data
    with pytest.raises(InvalidInput) as refused:
        load("dossier.overdue", {"code": "HS-1"})
    assert {"unit", "due_at"} <= set(refused.value.errors)
