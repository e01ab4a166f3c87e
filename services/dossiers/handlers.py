"""Inbound events -> use cases."""

from marshmallow import EXCLUDE, ValidationError

from services.dossiers import service
from shared.errors import InvalidInput
from shared.events.catalog import DossierReceived
from shared.events.envelope import Event
from shared.uow import UnitOfWork

# External systems may send more than the platform reads (and their own due_at, which is ignored:
# the deadline is always computed here, under this platform's calendar).
_external_dossier = DossierReceived(unknown=EXCLUDE)


def on_external_dossier_received(event: Event, uow: UnitOfWork) -> None:
    """`dossier.received` from an external one-stop system on `kycuong.ingest`."""
    try:
        data = _external_dossier.load(event.data)
    except ValidationError as exc:
        raise InvalidInput("the external dossier event is invalid", exc.normalized_messages()) from exc
    service.receive_external_dossier(uow, {
        "code": data["code"],
        "procedure_code": data["procedure_code"],
        "unit": data["unit"],
        "received_at": data["received_at"],
        "handler": data.get("handler"),
    })
