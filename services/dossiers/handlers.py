"""Inbound events -> use cases.

External one-stop systems publish the life of their dossiers on `kycuong.ingest` (the contract is in
docs/architecture.md, "External ingest"): each event is applied by `service.apply_external_event`, the
same code as POST /ingest/events. The publisher is the message's AMQP `user_id`, which RabbitMQ checks
against the user that opened the connection, so it can be trusted.
"""

from services.dossiers import domain, service
from shared.consumer import DeadLetter, message_user_id
from shared.events.envelope import Event
from shared.runtime import ServiceRuntime
from shared.uow import UnitOfWork


def on_external_event(event: Event, uow: UnitOfWork) -> None:
    """Any ingest type. A refusal raises (DomainError), and the consumer dead-letters the message with
    the reason; `on_external_dead_letter` then counts it."""
    service.apply_external_event(uow, event, message_user_id.get())


def on_external_dead_letter(runtime: ServiceRuntime, dead: DeadLetter) -> None:
    """Count each dead-lettered external message as a rejection, by publisher and reason (once per event
    id, however often it is redelivered or sent again)."""
    service.record_external_rejection(runtime.uow(), dead.event, publisher=dead.user_id,
                                      reason=domain.rejection_reason(dead.reason), channel="amqp",
                                      detail=dead.reason)


INGEST_HANDLERS = {event_type: on_external_event for event_type in domain.INGEST_TYPES}


def on_unit_upserted(event: Event, uow: UnitOfWork) -> None:
    """`directory.unit_upserted` on kycuong.events: the unit's name for the apology letter's header."""
    from shared.events import catalog

    service.record_unit(uow, catalog.read("directory.unit_upserted", event.data), event.time)
