"""Inbound events of the feedback service: the dossiers returned to citizens, which the monthly
satisfaction survey samples."""

from __future__ import annotations

from services.feedback.use_cases import survey
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
