"""Inbound events of the feedback service: the dossiers returned to citizens, which the monthly
satisfaction survey samples; the directory's units and officials, the codes feedback may name."""

from __future__ import annotations

from services.feedback.use_cases import directory, survey
from shared.consumer import Handlers
from shared.events.envelope import Event
from shared.uow import UnitOfWork

events = Handlers()


@events.on("dossier.returned")
def on_dossier_returned(event: Event, uow: UnitOfWork) -> None:
    """A result was handed to the citizen: the dossier joins its month's survey sample (codes only)."""
    data = event.values
    survey.record_returned(uow, survey.RecordReturned(code=data["code"], unit=data["unit"], returned_at=data["at"],
                                                      procedure_code=data.get("procedure_code")))


@events.on("directory.unit_upserted")
def on_unit_upserted(event: Event, uow: UnitOfWork) -> None:
    """A unit feedback may name from now on."""
    values = event.values
    directory.record_unit(uow, directory.UnitUpserted(code=values["code"], name=values["name"]), event.time)


@events.on("directory.official_upserted")
def on_official_upserted(event: Event, uow: UnitOfWork) -> None:
    """An official feedback may name from now on."""
    values = event.values
    directory.record_official(uow, directory.OfficialUpserted(code=values["code"], unit=values["unit"]),
                              event.time)
