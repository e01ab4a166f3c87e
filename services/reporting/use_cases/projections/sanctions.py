"""`sanction.decided`: the public list of violators (a proposal never reaches it)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.reporting.store import writes
from services.reporting.use_cases import pending
from services.reporting.use_cases.projections.registry import projection
from shared.events.envelope import Event
from shared.uow import UnitOfWork


@projection("sanction.decided")
def record_sanction_decided(uow: UnitOfWork, event: Event, values: Mapping[str, Any]) -> None:
    """The decision joins the public list. The newest event about a decision wins, so a duplicate or an
    older copy arriving late changes nothing."""
    with uow:
        pending.ensure_units(uow, [values["unit"]])
        writes.upsert_public_sanction(uow.session, {
            "code": values["code"], "official": values["official"], "official_name": values.get("official_name"),
            "unit": values["unit"], "form": values["form"], "decided_at": values["decided_at"],
            "decided_on": values["decided_at"].astimezone(uow.calendar.tz).date(),
            "in_force_until": values["in_force_until"], "event_at": event.time,
        })
        uow.commit()
