"""The CloudEvents 1.0 envelope every event travels in (structured JSON mode).

Reading and attribute validation are the `cloudevents` SDK's; writing gives the SDK's own bytes (see
`Event.to_json`, proved equal by tests). This module adds the platform's
extensions (`unit`, `correlationid`, `causationid`, `dataversion`) and the rule that a consumer is
given a clear reason for anything it cannot read.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from cloudevents.core.bindings import rabbitmq as rabbitmq_binding
from cloudevents.core.bindings.rabbitmq import RabbitMQMessage
from cloudevents.core.exceptions import BaseCloudEventException
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent

CONTENT_TYPE = "application/cloudevents+json"
_FORMAT = JSONFormat()
_EXTENSIONS = ("unit", "correlationid", "causationid", "dataversion")


def _json_default(value: Any) -> str:
    """Instants as the SDK's JSON format writes them (RFC 3339, `Z` for UTC); anything else is refused
    as the standard encoder refuses it."""
    if isinstance(value, datetime):
        text = value.isoformat()
        return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text
    raise TypeError(f"Object of type {value.__class__.__name__} is not JSON serializable")


# The SDK's settings (`json.dumps` defaults and this `default`), built once instead of once per event.
_ENCODER = json.JSONEncoder(default=_json_default)


def _nonempty_str(value: Any) -> bool:
    return type(value) is str and value != ""


class InvalidEvent(ValueError):
    """The bytes are not an event this platform can read; `str()` says why."""


@dataclass(frozen=True)
class Event:
    type: str
    source: str
    subject: str
    data: dict[str, Any]
    unit: str | None = None
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    time: datetime = field(default_factory=lambda: datetime.now(UTC))
    correlationid: str | None = None
    causationid: str | None = None
    dataversion: str = "1"
    # `data` as typed values (datetimes, dates, decimals; defaults filled, unknown fields dropped), loaded once
    # by the consumer with the type's catalog schema; None where no schema judged it (ingest, producers).
    values: dict[str, Any] | None = field(default=None, compare=False, repr=False)

    def __post_init__(self):
        if self.correlationid is None:
            # The first event of a chain starts its own correlation.
            object.__setattr__(self, "correlationid", self.id)

    def to_json(self) -> bytes:
        """The structured-mode document: byte for byte what the SDK writes (`JSONFormat.write` of a
        `CloudEvent`), without building a `CloudEvent` per event. Sweeps write thousands of outbox bodies
        per run, and the SDK object with its attribute validation was an eighth of a sweep's time. Whatever
        the SDK would check and could refuse (empty or non-string id, source, type or subject, a naive
        time, data that is not a dict) goes through the SDK, so it refuses it exactly as before."""
        if not (type(self.data) is dict and isinstance(self.time, datetime) and self.time.tzinfo is not None
                and _nonempty_str(self.id) and _nonempty_str(self.source) and _nonempty_str(self.type)
                and _nonempty_str(self.subject)):
            return self._to_json_through_sdk()
        document = {
            "id": self.id,
            "source": self.source,
            "type": self.type,
            "specversion": "1.0",
            "time": _json_default(self.time),
            "subject": self.subject,
            "datacontenttype": "application/json",
        }
        for name in _EXTENSIONS:
            value = getattr(self, name)
            if value is not None:
                document[name] = value
        document["data"] = self.data
        return _ENCODER.encode(document).encode("utf-8")

    def _to_json_through_sdk(self) -> bytes:
        attributes = {
            "id": self.id,
            "source": self.source,
            "type": self.type,
            "specversion": "1.0",
            "time": self.time,
            "subject": self.subject,
            "datacontenttype": "application/json",
        }
        for name in _EXTENSIONS:
            value = getattr(self, name)
            if value is not None:
                attributes[name] = value
        return _FORMAT.write(CloudEvent(attributes, self.data))

    @classmethod
    def from_json(cls, body: bytes | str) -> Event:
        """Parse a structured-mode CloudEvents JSON document."""
        try:
            ce = _FORMAT.read(None, body)
        except BaseCloudEventException as exc:
            raise InvalidEvent(f"not a valid CloudEvent: {exc}") from exc
        except (ValueError, TypeError, AttributeError, KeyError) as exc:
            raise InvalidEvent(f"not a CloudEvents JSON document: {exc}") from exc
        return cls._from_cloudevent(ce)

    @classmethod
    def from_message(cls, body: bytes | str, content_type: str | None, headers: dict | None) -> Event:
        """Parse an AMQP message in structured mode or, as external publishers may send, binary mode
        (attributes in `ce-` headers)."""
        if (content_type or "").startswith("application/cloudevents") or not any(
                str(k).startswith("ce-") for k in (headers or {})):
            return cls.from_json(body)
        message = RabbitMQMessage(headers={str(k): str(v) for k, v in (headers or {}).items()},
                                  content_type=content_type,
                                  body=body.encode() if isinstance(body, str) else bytes(body))
        try:
            ce = rabbitmq_binding.from_rabbitmq(message, _FORMAT)
        except BaseCloudEventException as exc:
            raise InvalidEvent(f"not a valid CloudEvent: {exc}") from exc
        except (ValueError, TypeError, AttributeError, KeyError) as exc:
            raise InvalidEvent(f"not a binary-mode CloudEvent: {exc}") from exc
        return cls._from_cloudevent(ce)

    @classmethod
    def _from_cloudevent(cls, ce) -> Event:
        data = ce.get_data()
        if data is None:
            data = {}
        if isinstance(data, (bytes, str)):
            try:
                data = json.loads(data)
            except ValueError as exc:
                raise InvalidEvent(f"data is not JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise InvalidEvent("data must be a JSON object")
        time = ce.get_time()
        if time is None:
            raise InvalidEvent("attribute 'time' is required")
        if time.tzinfo is None:
            raise InvalidEvent("attribute 'time' must carry a timezone offset")
        subject = ce.get_subject()
        if not subject:
            raise InvalidEvent("attribute 'subject' (the aggregate's code) is required")
        attributes = ce.get_attributes()
        return cls(
            type=ce.get_type(),
            source=ce.get_source(),
            subject=subject,
            data=data,
            unit=attributes.get("unit"),
            id=ce.get_id(),
            time=time.astimezone(UTC),
            correlationid=attributes.get("correlationid"),
            causationid=attributes.get("causationid"),
            dataversion=str(attributes.get("dataversion", "1")),
        )

    def caused(self, **changes) -> Event:
        """A new event that follows from this one: same correlation, caused by this id."""
        changes.setdefault("id", str(uuid.uuid4()))
        changes.setdefault("correlationid", self.correlationid)
        changes.setdefault("causationid", self.id)
        return replace(self, **changes)


def source_for(instance: str, service: str) -> str:
    return f"/kycuong/{instance}/{service}"
