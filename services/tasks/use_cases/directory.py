"""The directory's read copy (discipline's `directory.unit_upserted`, `directory.official_upserted`):
the units tasks are assigned to and the officials they are assigned to.

Until the first unit arrives (a fresh install whose directory has not been imported, or has not reached
this service yet), codes are checked against the pattern only and a warning is logged: refusing every
assignment would make the service depend on the order of installation. From the first unit on, a code
not in the directory is refused (422 naming the field)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from services.tasks import domain, store
from services.tasks.models import DirectoryOfficial, DirectoryUnit
from shared.db import keep_newest
from shared.errors import InvalidInput
from shared.uow import UnitOfWork

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class UnitUpserted:
    code: str
    name: str


@dataclass(frozen=True)
class OfficialUpserted:
    code: str
    unit: str


def record_unit(uow: UnitOfWork, data: UnitUpserted, event_time: datetime) -> None:
    """`directory.unit_upserted`: keep the unit (newest event wins)."""
    with uow:
        keep_newest(uow.session, DirectoryUnit, data.code, event_time, name=data.name)
        uow.commit()


def record_official(uow: UnitOfWork, data: OfficialUpserted, event_time: datetime) -> None:
    """`directory.official_upserted`: keep the official and their unit (newest event wins)."""
    with uow:
        keep_newest(uow.session, DirectoryOfficial, data.code, event_time, unit=data.unit)
        uow.commit()


def check_assignment_codes(uow: UnitOfWork, lead_unit: str, co_units: list[str], assignee: str | None) -> None:
    """Refuse (422, by field) codes off the pattern or, once the directory has arrived, not in it. Inside
    the caller's unit of work."""
    session = uow.session
    errors = domain.assignment_code_errors(lead_unit, co_units, assignee)
    if not errors:
        if store.directory_has_units(session):
            errors = domain.assignment_code_errors(
                lead_unit, co_units, assignee, known_units=store.known_units(session, [lead_unit, *co_units]),
                officials=store.officials_units(session, [assignee] if assignee else []))
        else:
            log.warning("the directory has not reached the tasks service yet: unit and official codes are "
                        "checked against the pattern only")
    if errors:
        raise InvalidInput("Mã không hợp lệ hoặc không có trong danh mục — the task names codes the directory "
                           "does not have: " + ", ".join(sorted(errors)), errors)


def missing_units(uow: UnitOfWork, codes: list[str]) -> set[str]:
    """Which of these units the directory's read copy does not have (yet)."""
    with uow:
        return set(codes) - store.known_units(uow.session, codes)
