"""Lifecycle, discipline and feedback events: one occurrence per natural key, for the figures and the
drill-downs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.reporting.domain.occurrences import OCCURRENCE_EVENTS, occurrence_from_event
from services.reporting.use_cases import pending
from services.reporting.use_cases.projections.registry import projection
from shared.events.envelope import Event
from shared.uow import UnitOfWork


@projection(*OCCURRENCE_EVENTS)
def record_occurrence(uow: UnitOfWork, event: Event, values: Mapping[str, Any]) -> None:
    """The occurrence the event is counted as, written at the commit (a copy of one stored adds nothing)."""
    with uow:
        occurrence = occurrence_from_event(event.type, values, event.time)
        if occurrence.unit:
            pending.ensure_units(uow, [occurrence.unit])
        buffered = uow.memo.setdefault("occurrences", {})
        buffered.setdefault((occurrence.kind, occurrence.subject, occurrence.key), {
            "kind": occurrence.kind, "subject": occurrence.subject, "key": occurrence.key, "unit": occurrence.unit,
            "at": occurrence.at, "official": occurrence.official, "step": occurrence.step,
            "on_time": occurrence.on_time, "related": occurrence.related, "detail": occurrence.detail})
        pending.flush_later(uow)
        uow.commit()
