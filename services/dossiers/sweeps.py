"""Periodic jobs of the dossiers service."""

from __future__ import annotations

from typing import TYPE_CHECKING

from services.dossiers.use_cases import alerts, calendar
from shared.alerts import sweep_in_batches

if TYPE_CHECKING:
    from shared.runtime import ServiceRuntime

# Large enough that 10,000 newly overdue dossiers take a few round trips, small enough that one
# transaction (and its row locks) stays short.
BATCH = 1000


def sweep_overdue(runtime: ServiceRuntime) -> int:
    """Emit `dossier.overdue` for every open dossier past its legal due instant, once per due date, with
    `dossier.apology_missed` once when its unit had not apologised; then `dossier.promise_broken` once for
    every apologised open dossier past its promised date. Returns how many were emitted."""
    return (sweep_in_batches(lambda limit: alerts.alert_overdue_dossiers(runtime.uow(), limit=limit), BATCH)
            + sweep_in_batches(lambda limit: alerts.alert_broken_promises(runtime.uow(), limit=limit), BATCH))


def sweep_warnings(runtime: ServiceRuntime) -> int:
    """Emit `dossier.due_soon` at each configured warning point (75% of the budget used, one working day
    before, …) and, one working day before the legal deadline, point "apology" to chase the unit that has
    not apologised, each once per dossier, due date and point; returns how many fired."""
    return sweep_in_batches(lambda limit: alerts.alert_warnings(runtime.uow(), limit=limit), BATCH)


def sweep_calendar(runtime: ServiceRuntime) -> int:
    """Bring running deadlines up to the calendar in force (an announcement changed in another process,
    or a change interrupted halfway); one read when there is nothing to do. Returns how many moved."""
    return calendar.apply_calendar(runtime.uow(), batch=BATCH)
