"""Inbound events → use cases. Every type reporting reads goes through the one registry of projections
(`use_cases.projections`), the same one the rebuild from the archive replays through; the topology binds
the queue to exactly these types."""

from services.reporting.use_cases import pending
from services.reporting.use_cases.projections import PROJECTIONS, project_event
from services.reporting.use_cases.projections.dossiers import prepare_batch
from shared.consumer import Handlers
from shared.events.envelope import Event
from shared.uow import UnitOfWork

events = Handlers()


def on_event(event: Event, uow: UnitOfWork) -> None:
    """Any event with a registered projection: archived once (as received), then every projection of its
    type, with the values the consumer loaded."""
    project_event(uow, event, event.values)


for event_type in sorted(PROJECTIONS):
    events.add(event_type, on_event)


@events.before_batch
def read_dossier_facts(uow: UnitOfWork, batch: list[Event]) -> None:
    """The facts of the batch's dossiers, read and locked in one statement; the units its events name, in one."""
    pending.ensure_units(uow, {event.values.get("unit") for event in batch if event.type in PROJECTIONS
                               and event.values is not None})
    prepare_batch(uow, batch)
