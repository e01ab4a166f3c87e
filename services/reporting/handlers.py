"""Inbound events → use cases. Every event is archived by the use case it reaches."""

from services.reporting import service
from shared.events.envelope import Event
from shared.uow import UnitOfWork


def on_unit_upserted(event: Event, uow: UnitOfWork) -> None:
    service.record_unit(uow, event)


def on_dossier_received(event: Event, uow: UnitOfWork) -> None:
    service.record_dossier_event(uow, event)


def on_dossier_completed(event: Event, uow: UnitOfWork) -> None:
    service.record_dossier_event(uow, event)


def on_dossier_overdue(event: Event, uow: UnitOfWork) -> None:
    service.record_dossier_event(uow, event)


def on_explanation_requested(event: Event, uow: UnitOfWork) -> None:
    service.record_discipline_event(uow, event)


def on_sanction_proposed(event: Event, uow: UnitOfWork) -> None:
    service.record_discipline_event(uow, event)


def on_task_assigned(event: Event, uow: UnitOfWork) -> None:
    service.record_task_event(uow, event)


def on_task_completed(event: Event, uow: UnitOfWork) -> None:
    service.record_task_event(uow, event)


def on_task_overdue(event: Event, uow: UnitOfWork) -> None:
    service.record_task_event(uow, event)


def on_task_extension_decided(event: Event, uow: UnitOfWork) -> None:
    service.record_task_event(uow, event)


def on_rating_submitted(event: Event, uow: UnitOfWork) -> None:
    service.record_rating(uow, event)
