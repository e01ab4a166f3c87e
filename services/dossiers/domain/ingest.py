"""External ingest (`kycuong.ingest` and POST /ingest/events; the contract is in docs/architecture.md,
"External ingest"): who may send what, what an event waits for, why one is refused. Pure."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime

from services.dossiers.domain.dossier import OPEN_STATUSES, RECEIVED, REFUSED, RETURNED, WITHDRAWN
from shared.errors import DomainError

INGEST_RECEIVED = "dossier.received"
INGEST_HANDED_OVER = "dossier.handed_over"
INGEST_SUPPLEMENT_REQUESTED = "dossier.supplement_requested"
INGEST_SUPPLEMENT_RECEIVED = "dossier.supplement_received"
INGEST_COMPLETED = "dossier.completed"
# The ends an external system reports; `stopped` is this platform's own decision, not reported from outside.
INGEST_ENDS = {"dossier.returned": RETURNED, "dossier.refused": REFUSED, "dossier.withdrawn": WITHDRAWN}
INGEST_TYPES = (INGEST_RECEIVED, INGEST_HANDED_OVER, INGEST_SUPPLEMENT_REQUESTED, INGEST_SUPPLEMENT_RECEIVED,
                INGEST_COMPLETED, *INGEST_ENDS)

# Why an external event was refused: the `reason` label of kycuong_ingest_rejected_total and of
# GET /ingest/rejections, and the first word of the dead letter's x-kycuong-reason.
NO_PUBLISHER = "no_publisher"  # the message names no publisher (AMQP user_id missing)
UNKNOWN_PUBLISHER = "unknown_publisher"  # not in KYCUONG_PUBLISHERS
UNIT_NOT_ALLOWED = "unit_not_allowed"  # the publisher may not publish for that unit or that dossier
UNIT_NOT_SERVED = "unit_not_served"  # no instance known to serve the unit
INVALID_EVENT = "invalid"  # not a CloudEvent, or data that does not meet the ingest contract
REFUSED_BY_STATE = "refused"  # the dossier's state does not allow it, or its procedure is unknown
FAILED = "failed"  # could not be applied (gave up after retries, a fault of ours)
REJECTION_LABELS_VI = {
    NO_PUBLISHER: "Thông điệp không ghi danh tính bên gửi (user_id)",
    UNKNOWN_PUBLISHER: "Bên gửi chưa được đăng ký",
    UNIT_NOT_ALLOWED: "Bên gửi không được gửi dữ liệu cho đơn vị này",
    UNIT_NOT_SERVED: "Không phiên bản nào phục vụ đơn vị này",
    INVALID_EVENT: "Sự kiện không hợp lệ",
    REFUSED_BY_STATE: "Trạng thái hồ sơ không cho phép",
    FAILED: "Không xử lý được",
}
# The error code a refusal travels with (DomainError.code) -> the rejection reason it counts as.
_REASON_BY_ERROR_CODE = {"invalid_input": INVALID_EVENT, "conflict": REFUSED_BY_STATE, "not_found": REFUSED_BY_STATE,
                         "forbidden": UNIT_NOT_ALLOWED}

ADMIT, IGNORE, REJECT = "admit", "ignore", "reject"
# A batch over HTTP holds at most this many events; an event id (the inbox's key) at most this many characters.
INGEST_BATCH_MAX = 500
EVENT_ID_MAX = 64


@dataclass(frozen=True)
class Admission:
    """Whether this instance applies an external event: admit, ignore (another instance's unit), or
    reject (with the reason and a message that says what to fix)."""

    verdict: str
    reason: str | None = None
    message: str = ""


def admit_external(publishers: dict[str, tuple[str, ...]], served: tuple[str, ...], publisher: str | None,
                   unit: str) -> Admission:
    """Decide on an event for `unit` sent by `publisher` (the AMQP user_id RabbitMQ vouched for, or the
    token's subject), given the publisher registry and the units this instance serves (empty: all).

    Every dossiers instance receives every external event. An event for a unit this instance does not
    serve but the registry knows is another instance's to judge: ignored here, so it is neither applied
    nor counted twice. Without a registry (development) any publisher is trusted.
    """
    serves = not served or unit in served
    if publishers:
        if not serves and any(unit in units for units in publishers.values()):
            return Admission(IGNORE, message=f"unit {unit!r} is served by another instance")
        if not publisher:
            return Admission(REJECT, NO_PUBLISHER, "the message names no publisher: publish with your own "
                             "credentials and set the user_id property to your user name")
        if publisher not in publishers:
            return Admission(REJECT, UNKNOWN_PUBLISHER, f"publisher {publisher!r} is not registered; ask the "
                             "platform's operators to add it to KYCUONG_PUBLISHERS with its units")
        if unit not in publishers[publisher]:
            return Admission(REJECT, UNIT_NOT_ALLOWED, f"publisher {publisher!r} may not publish for unit "
                             f"{unit!r}; its units are {', '.join(publishers[publisher])}")
    if not serves:
        return Admission(REJECT, UNIT_NOT_SERVED, f"this instance does not serve unit {unit!r} (it serves "
                         f"{', '.join(served)}); send the event to the instance of that unit")
    return Admission(ADMIT)


def ingest_prerequisite(event_type: str, status: str | None) -> str | None:
    """The event type an external event still waits for, given its dossier's status (None: the dossier
    is not known yet), or None when it can be applied now. Events that can never apply (a step on a
    finished dossier) are not waiting: applying them is refused."""
    if event_type == INGEST_RECEIVED:
        return None
    if status is None:
        return INGEST_RECEIVED
    if event_type == INGEST_SUPPLEMENT_RECEIVED and status == RECEIVED:
        return INGEST_SUPPLEMENT_REQUESTED
    if event_type == "dossier.returned" and status in OPEN_STATUSES:
        return INGEST_COMPLETED
    return None


def rejection_reason(dead_letter_reason: str) -> str:
    """The rejection reason of a refusal from its error code or its dead letter's reason text, which
    starts with that code (`<code>: <message> <errors>`); anything unrecognised is a failure."""
    code = dead_letter_reason.split(":", 1)[0].strip()
    if code in REJECTION_LABELS_VI:
        return code
    if code in _REASON_BY_ERROR_CODE:
        return _REASON_BY_ERROR_CODE[code]
    if code.startswith(("not a ", "data ", "attribute ", "invalid data")):  # the envelope could not be read
        return INVALID_EVENT
    return FAILED



class IngestRefused(DomainError):
    """An external event this instance will not apply; its code is the rejection reason, so the dead
    letter's x-kycuong-reason starts with it."""

    def __init__(self, reason: str, message: str, errors: dict | None = None):
        super().__init__(message, errors)
        self.code = reason


# Where a refusal's field error is reported.
REJECTED_FIELD = {NO_PUBLISHER: "user_id", UNKNOWN_PUBLISHER: "publisher", UNIT_NOT_ALLOWED: "unit",
                  UNIT_NOT_SERVED: "unit"}


def refusal(admission: Admission) -> IngestRefused:
    """The error a rejecting admission is raised as."""
    return IngestRefused(admission.reason, admission.message,
                         {REJECTED_FIELD[admission.reason]: [REJECTION_LABELS_VI[admission.reason]]})


# -- what an external event asks for, as read at the edge ---------------------------------------------

@dataclass(frozen=True)
class ExternalStep:
    """An external event's data, read: the dossier and its unit (always given), then the fields of its type."""

    type: str
    code: str
    unit: str

    @property
    def occurred_at(self) -> datetime:
        """When it happened: the order in which waiting events are applied."""
        return self.at


@dataclass(frozen=True)
class ExternalReceived(ExternalStep):
    procedure_code: str
    received_at: datetime
    # `handler` in the contract: the receiving official, who holds the dossier first.
    assignee: str | None = None

    @property
    def occurred_at(self) -> datetime:
        return self.received_at


@dataclass(frozen=True)
class ExternalHandover(ExternalStep):
    at: datetime
    from_step: str | None = None
    to_step: str | None = None
    from_official: str | None = None
    to_official: str | None = None
    to_unit: str | None = None


@dataclass(frozen=True)
class ExternalSupplementRequest(ExternalStep):
    at: datetime
    reasons: tuple[str, ...]
    official: str | None = None


@dataclass(frozen=True)
class ExternalSupplement(ExternalStep):
    at: datetime
    official: str | None = None


@dataclass(frozen=True)
class ExternalCompletion(ExternalStep):
    completed_at: datetime
    official: str | None = None

    @property
    def occurred_at(self) -> datetime:
        return self.completed_at


@dataclass(frozen=True)
class ExternalEnd(ExternalStep):
    at: datetime
    reason: str | None = None
    official: str | None = None

    @property
    def end(self) -> str:
        return INGEST_ENDS[self.type]


STEP_TYPES: dict[str, type[ExternalStep]] = {
    INGEST_RECEIVED: ExternalReceived,
    INGEST_HANDED_OVER: ExternalHandover,
    INGEST_SUPPLEMENT_REQUESTED: ExternalSupplementRequest,
    INGEST_SUPPLEMENT_RECEIVED: ExternalSupplement,
    INGEST_COMPLETED: ExternalCompletion,
    **{event_type: ExternalEnd for event_type in INGEST_ENDS},
}
# Fields named otherwise in the contract than in code.
CONTRACT_NAMES = {"assignee": "handler"}
_INSTANTS = ("received_at", "at", "completed_at")


def step_data(step: ExternalStep) -> dict:
    """The step's fields as JSON, under the contract's names: what a waiting event keeps until it is applied."""
    data = {}
    for field in fields(step):
        if field.name == "type":
            continue
        value = getattr(step, field.name)
        if isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, tuple):
            value = list(value)
        data[CONTRACT_NAMES.get(field.name, field.name)] = value
    return data


def step_from_data(event_type: str, data: dict) -> ExternalStep:
    """The step back from `step_data` (the data of an event already read once: no judging again)."""
    kind = STEP_TYPES[event_type]
    values = {}
    for field in fields(kind):
        if field.name == "type":
            continue
        value = data.get(CONTRACT_NAMES.get(field.name, field.name))
        if field.name in _INSTANTS and isinstance(value, str):
            value = datetime.fromisoformat(value)
        elif isinstance(value, list):
            value = tuple(value)
        values[field.name] = value
    return kind(type=event_type, **values)
