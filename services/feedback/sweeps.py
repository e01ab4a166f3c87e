"""Periodic jobs of the feedback service."""

from __future__ import annotations

from typing import TYPE_CHECKING

from services.feedback import service

if TYPE_CHECKING:
    from shared.runtime import ServiceRuntime

# Small enough that one transaction (and its row locks) stays short.
BATCH = 1000


def _sweep(runtime: ServiceRuntime, kind: str) -> int:
    emitted = 0
    while True:
        done, claimed = service.alert_feedback_deadlines(runtime.uow(), kind, limit=BATCH)
        emitted += done
        if claimed < BATCH:
            # Fewer than asked: none left, or the rest are locked by another replica that will emit them.
            return emitted


def sweep_due_soon(runtime: ServiceRuntime) -> int:
    """`feedback.due_soon` once per stage and deadline whose reminder point has come."""
    return _sweep(runtime, service.DUE_SOON)


def sweep_overdue(runtime: ServiceRuntime) -> int:
    """`feedback.overdue` once per stage and deadline that passed with the stage still open."""
    return _sweep(runtime, service.OVERDUE)
