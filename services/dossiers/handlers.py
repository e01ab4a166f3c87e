"""Inbound events -> use cases.

External one-stop systems publish the life of their dossiers on `kycuong.ingest` (the contract is in
docs/architecture.md, "External ingest"): each event is read here into an `ExternalEvent` and applied by
`use_cases.ingest.apply_external_event`, the same code as POST /ingest/events. The publisher is the
message's AMQP `user_id`, which RabbitMQ checks against the user that opened the connection, so it can be
trusted.
"""

from services.dossiers.domain.ingest import INGEST_TYPES, rejection_reason
from services.dossiers.schemas.ingest import read_external_event
from services.dossiers.use_cases import directory, ingest
from shared.consumer import DeadLetter, Handlers, message_user_id
from shared.events.envelope import Event
from shared.runtime import ServiceRuntime
from shared.uow import UnitOfWork

events = Handlers()
ingest_events = Handlers()


@events.on("directory.unit_upserted")
def on_unit_upserted(event: Event, uow: UnitOfWork) -> None:
    """The unit's name and parent, for the apology letter's header."""
    values = event.values
    directory.record_unit(uow, directory.UnitUpserted(code=values["code"], name=values["name"],
                                                      parent=values.get("parent"), kind=values.get("kind")),
                          event.time)


def on_external_event(event: Event, uow: UnitOfWork) -> None:
    """Any ingest type, judged against the ingest contract here (the stream does not validate it). A refusal
    raises (DomainError), and the consumer dead-letters the message with the reason; `on_external_dead_letter`
    then counts it."""
    ingest.apply_external_event(uow, read_external_event(event), message_user_id.get())


for _event_type in INGEST_TYPES:
    ingest_events.add(_event_type, on_external_event)


def on_external_dead_letter(runtime: ServiceRuntime, dead: DeadLetter) -> None:
    """Count each dead-lettered external message as a rejection, by publisher and reason (once per event
    id, however often it is redelivered or sent again)."""
    ingest.record_external_rejection(runtime.uow(), dead.event, publisher=dead.user_id,
                                     reason=rejection_reason(dead.reason), channel="amqp", detail=dead.reason)


@ingest_events.before_batch
def read_batch_dossiers(uow: UnitOfWork, batch: list[Event]) -> None:
    """The batch's dossiers, and which have events waiting, read once for the batch."""
    ingest.prepare_ingest_batch(uow, {event.data.get("code") for event in batch if isinstance(event.data, dict)})
