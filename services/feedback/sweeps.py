"""Periodic jobs of the feedback service: the stages' deadline alerts, the monthly survey rounds and
forgetting the public clients' buckets that are full again."""

from __future__ import annotations

from typing import TYPE_CHECKING

from services.feedback import domain
from services.feedback.use_cases import deadlines, intake, survey
from shared.alerts import sweep_in_batches

if TYPE_CHECKING:
    from shared.runtime import ServiceRuntime

# Small enough that one transaction (and its row locks) stays short.
BATCH = 1000
# Units per batch of the survey sweep: each round is its own transaction.
SURVEY_BATCH = 50


def sweep_due_soon(runtime: ServiceRuntime) -> int:
    """`feedback.due_soon` once per stage and deadline whose reminder point has come."""
    return sweep_in_batches(
        lambda limit: deadlines.alert_feedback_deadlines(runtime.uow(), domain.DUE_SOON, limit=limit), BATCH)


def sweep_overdue(runtime: ServiceRuntime) -> int:
    """`feedback.overdue` once per stage and deadline that passed with the stage still open."""
    return sweep_in_batches(
        lambda limit: deadlines.alert_feedback_deadlines(runtime.uow(), domain.OVERDUE, limit=limit), BATCH)


def sweep_survey_rounds(runtime: ServiceRuntime) -> int:
    """Last month's survey round, once per unit that returned dossiers in it."""
    return sweep_in_batches(lambda limit: survey.open_due_rounds(runtime.uow(), limit=limit), SURVEY_BATCH)


def sweep_client_allowance(runtime: ServiceRuntime) -> int:
    """Delete the per-client buckets that have refilled (the table holds only recent clients)."""
    return intake.forget_full_allowances(runtime.uow())
