"""The directory's read copy: the units' names and parents, for the apology letter's header."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.dossiers.models import Unit
from shared.db import keep_newest
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
        keep_newest(uow.session, Unit, unit_data.code, event_time, name=unit_data.name, parent=unit_data.parent,
                    kind=unit_data.kind)
        uow.commit()
