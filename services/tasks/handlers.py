"""Inbound events of the tasks service: the directory's units and officials, the codes tasks may name."""

from services.tasks.use_cases import directory
from shared.consumer import Handlers
from shared.events.envelope import Event
from shared.uow import UnitOfWork

events = Handlers()


@events.on("directory.unit_upserted")
def on_unit_upserted(event: Event, uow: UnitOfWork) -> None:
    """A unit tasks may be assigned to from now on."""
    values = event.values
    directory.record_unit(uow, directory.UnitUpserted(code=values["code"], name=values["name"]), event.time)


@events.on("directory.official_upserted")
def on_official_upserted(event: Event, uow: UnitOfWork) -> None:
    """An official tasks may be assigned to from now on (within their unit)."""
    values = event.values
    directory.record_official(uow, directory.OfficialUpserted(code=values["code"], unit=values["unit"]),
                              event.time)
