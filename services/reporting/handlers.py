"""Inbound events → use cases. Every type reporting reads goes through the one projection registry
(`service.PROJECTIONS`), the same one the rebuild from the archive replays through."""

from services.reporting import service
from shared.events.envelope import Event
from shared.uow import UnitOfWork


def on_event(event: Event, uow: UnitOfWork) -> None:
    """Any event with a registered projection: archived once, then every projection of its type."""
    service.project_event(uow, event)


def handlers() -> dict:
    """One handler per projected type: the topology binds the queue to exactly these."""
    return {event_type: on_event for event_type in sorted(service.PROJECTIONS)}
