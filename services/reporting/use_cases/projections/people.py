"""`directory.head_assigned` and `plan.self_assessed`: who heads a unit when, and what officials said of
their own plans, for the quarterly evaluation of heads."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.reporting.store import writes
from services.reporting.use_cases import pending
from services.reporting.use_cases.projections.registry import projection
from shared.events.envelope import Event
from shared.uow import UnitOfWork


@projection("directory.head_assigned")
def record_head_term(uow: UnitOfWork, event: Event, values: Mapping[str, Any]) -> None:
    with uow:
        pending.ensure_units(uow, [values["unit"]])
        writes.upsert_head_term(uow.session, {
            "unit": values["unit"], "official": values["official"], "since": values["since"],
            "role": values.get("role") or "head", "until": values.get("until"), "event_at": event.time})
        uow.commit()


@projection("plan.self_assessed")
def record_self_assessment(uow: UnitOfWork, event: Event, values: Mapping[str, Any]) -> None:
    with uow:
        pending.ensure_units(uow, [values["unit"]])
        writes.upsert_self_assessment(uow.session, {
            "code": values["code"], "official": values["official"], "unit": values["unit"],
            "period_kind": values["period_kind"], "period": values["period"], "items": values["items"],
            "done": values["done"], "done_on_time": values["done_on_time"], "level": values["level"],
            "assessed_at": values["assessed_at"], "event_at": event.time})
        uow.commit()
