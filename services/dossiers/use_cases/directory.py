"""The directory's read copy: the units' names and parents, for the apology letter's header."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.dossiers.models import Unit
from shared.uow import UnitOfWork


@dataclass(frozen=True)
class UnitUpserted:
    code: str
    name: str
    parent: str | None = None
    kind: str | None = None


def record_unit(uow: UnitOfWork, unit_data: UnitUpserted, event_time: datetime) -> None:
    """`directory.unit_upserted`: keep the unit's name and parent (newest wins)."""
    with uow:
        unit = uow.session.get(Unit, unit_data.code)
        if unit is None:
            uow.session.add(Unit(code=unit_data.code, name=unit_data.name, parent=unit_data.parent,
                                 kind=unit_data.kind, event_time=event_time))
        elif unit.event_time is None or unit.event_time <= event_time:
            unit.name, unit.parent, unit.kind, unit.event_time = (unit_data.name, unit_data.parent, unit_data.kind,
                                                                  event_time)
        uow.commit()
