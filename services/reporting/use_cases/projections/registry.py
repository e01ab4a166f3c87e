"""The one registry of projections: every event type reporting reads has its projections here, filled by
`@projection(...)` in the modules of this package. The live consumer (handlers.py) and the rebuild from
the archive (use_cases.rebuild) both go through `project_event`, so a rebuild replays exactly what the
consumer did."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from typing import Any

from services.reporting.use_cases import pending
from shared.events.envelope import Event
from shared.uow import UnitOfWork

# A projection takes the event (its time, subject, ids) and its data as typed values (datetimes, dates,
# decimals; loaded once from the catalog by the consumer, or by the rebuild from the archived document).
Projection = Callable[[UnitOfWork, Event, Mapping[str, Any]], None]
PROJECTIONS: dict[str, list[Projection]] = defaultdict(list)


def projection(*event_types: str) -> Callable[[Projection], Projection]:
    """Register a projection of these event types (several projections of one type all run, in order)."""
    def register(function: Projection) -> Projection:
        for event_type in event_types:
            PROJECTIONS[event_type].append(function)
        return function
    return register


def project_event(uow: UnitOfWork, event: Event, values: Mapping[str, Any]) -> bool:
    """Apply an event through every projection registered for its type, and archive it (`event.data`, the
    document as received), in one transaction. Safe to repeat: every projection is idempotent. Returns
    False for a type reporting ignores."""
    functions = PROJECTIONS.get(event.type)
    if not functions:
        return False
    with uow:
        held = uow.hold_commits
        # The projections' own commits only flush: the event and all its effects commit together.
        uow.hold_commits = True
        try:
            if not uow.memo.get("replaying"):
                pending.archive(uow, event)
            for function in functions:
                function(uow, event, values)
        finally:
            uow.hold_commits = held
        uow.commit()
    return True
