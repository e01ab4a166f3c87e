"""Periodic jobs of the feedback service: the stages' deadline alerts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from services.feedback import domain
from services.feedback.use_cases import deadlines
from shared.alerts import sweep_in_batches

if TYPE_CHECKING:
    from shared.runtime import ServiceRuntime

# Small enough that one transaction (and its row locks) stays short.
BATCH = 1000


def sweep_due_soon(runtime: ServiceRuntime) -> int:
    """`feedback.due_soon` once per stage and deadline whose reminder point has come."""
    return sweep_in_batches(
        lambda limit: deadlines.alert_feedback_deadlines(runtime.uow(), domain.DUE_SOON, limit=limit), BATCH)


def sweep_overdue(runtime: ServiceRuntime) -> int:
    """`feedback.overdue` once per stage and deadline that passed with the stage still open."""
    return sweep_in_batches(
        lambda limit: deadlines.alert_feedback_deadlines(runtime.uow(), domain.OVERDUE, limit=limit), BATCH)
