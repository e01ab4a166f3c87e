"""`directory.unit_upserted`: the names, parents and kinds of units."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.reporting.domain.periods import Month
from services.reporting.store import writes
from services.reporting.use_cases import pending, rankings
from services.reporting.use_cases.projections.registry import projection
from shared.events.envelope import Event
from shared.uow import UnitOfWork


@projection("directory.unit_upserted")
def record_unit(uow: UnitOfWork, event: Event, values: Mapping[str, Any]) -> None:
    """The unit's Vietnamese name, parent and kind (the newest event wins). A unit changing kind moves the
    current rankings by kind."""
    with uow:
        code = values["code"]
        pending.ensure_units(uow, [code])
        before = writes.unit_kind(uow.session, code)
        if writes.name_unit(uow.session, code, values["name"], values.get("parent"), values["kind"], event.time) \
                and before != values["kind"]:
            rankings.rerank_later(uow, Month.of(uow.now(), uow.calendar.tz).enclosing())
        uow.commit()
