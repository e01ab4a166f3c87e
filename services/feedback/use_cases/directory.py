"""The directory's read copy (discipline's `directory.unit_upserted`, `directory.official_upserted`):
the unit and official codes feedback may name.

Until the first unit arrives (a fresh install whose directory has not been imported, or has not reached
this service yet), codes are checked against the pattern only and a warning is logged: refusing every
feedback naming a unit would make intake depend on the order of installation. From the first unit on,
a code not in the directory is refused (422 naming the field)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from services.feedback import store
from services.feedback.domain import codes
from services.feedback.models import DirectoryOfficial, DirectoryUnit
from shared.db import keep_newest
from shared.errors import InvalidInput
from shared.uow import UnitOfWork
from shared.vietnamese import folded, sort_key

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


def check_references(uow: UnitOfWork, references: Mapping[str, str | None]) -> None:
    """Refuse (422, by field) a `unit` or `official` the directory does not know. Inside the caller's
    unit of work."""
    named = {name: value for name, value in references.items() if value is not None}
    if not named:
        return
    session = uow.session
    if not store.directory_has_units(session):
        warn_empty()
        return
    units = [named["unit"]] if "unit" in named else []
    officials = [named["official"]] if "official" in named else []
    _refuse(codes.directory_errors(named, known_units=store.known_units(session, units),
                                   officials=store.officials_units(session, officials)))


def refuse_unknown(unit: str | None, official: str | None) -> None:
    """Refuse (422, by field) the codes a statement found missing from the directory (None: found)."""
    named = {name: value for name, value in (("unit", unit), ("official", official)) if value is not None}
    _refuse(codes.directory_errors(named, known_units=set(), officials={}))


def warn_empty() -> None:
    log.warning("the directory has not reached the feedback service yet: unit and official codes are "
                "checked against the pattern only")


def _refuse(errors: dict[str, list[str]]) -> None:
    if errors:
        raise InvalidInput("Mã không có trong danh mục — " + "; ".join(
            message for field in sorted(errors) for message in errors[field]), errors)


def missing_units(uow: UnitOfWork, codes: list[str]) -> set[str]:
    """Which of these units the directory's read copy does not have (yet)."""
    with uow:
        return set(codes) - store.known_units(uow.session, codes)


def units_to_choose(uow: UnitOfWork, search: str | None = None, limit: int = 60) -> list[tuple[str, str]]:
    """(code, name) of the directory's units a citizen may address, in Vietnamese alphabetical order; with
    `search`, those whose name or code holds it (accents and case ignored)."""
    with uow:
        rows = uow.session.execute(select(DirectoryUnit.code, DirectoryUnit.name)).all()
    wanted = folded(search) if search and search.strip() else None
    found = [(code, name) for code, name in rows
             if wanted is None or wanted in folded(name) or wanted in folded(code)]
    return sorted(found, key=lambda row: sort_key(row[1]))[:limit]
