"""Inbound events -> use cases."""

from services.dossiers import service
from shared.events import catalog
from shared.events.envelope import Event
from shared.uow import UnitOfWork


def on_external_dossier_received(event: Event, uow: UnitOfWork) -> None:
    """`dossier.received` from an external one-stop system on `kycuong.ingest`. Fields the platform does
    not read are ignored, and so is their due_at: the deadline is always computed here, under this
    platform's calendar."""
    data = catalog.read("dossier.received", event.data)
    service.receive_external_dossier(uow, {
        "code": data["code"],
        "procedure_code": data["procedure_code"],
        "unit": data["unit"],
        "received_at": data["received_at"],
        "handler": data.get("handler"),
    })
