"""Periodic jobs of the tasks service: reminders, overdue alerts, recurring occurrences, the Monday list."""

from __future__ import annotations

from typing import TYPE_CHECKING

from services.tasks.use_cases import assignment, reminders
from shared.alerts import sweep_in_batches

if TYPE_CHECKING:
    from shared.runtime import ServiceRuntime

# Small enough that one transaction (and its row locks) stays short; a few round trips for thousands.
BATCH = 500


def sweep_reminders(runtime: ServiceRuntime) -> int:
    """`task.due_soon` at each reminder point, once per task, deadline and point; returns how many."""
    emitted, cursor = 0, None
    while True:
        done, claimed, cursor = reminders.remind_tasks(runtime.uow(), after=cursor, limit=BATCH)
        emitted += done
        if claimed < BATCH:
            return emitted


def sweep_overdue(runtime: ServiceRuntime) -> int:
    """`task.overdue` for every open task past its deadline in force, once per deadline."""
    return sweep_in_batches(lambda limit: reminders.alert_overdue_tasks(runtime.uow(), limit=limit), BATCH)


def sweep_occurrences(runtime: ServiceRuntime) -> int:
    """Keep the next occurrences of every recurring task materialised; returns how many were created."""
    created, cursor = 0, ""
    while True:
        done, claimed, cursor = assignment.materialise_occurrences(runtime.uow(), after=cursor, limit=BATCH)
        created += done
        if claimed < BATCH:
            return created


def sweep_monday_digest(runtime: ServiceRuntime) -> int:
    """On Mondays, the list per leader of tasks due but not reported; once per week and leader."""
    return reminders.compile_monday_digests(runtime.uow())
