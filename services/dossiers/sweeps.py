"""Periodic jobs of the dossiers service."""

from __future__ import annotations

from typing import TYPE_CHECKING

from services.dossiers import service
from shared.alerts import sweep_in_batches

if TYPE_CHECKING:
    from shared.runtime import ServiceRuntime

# Large enough that 10,000 newly overdue dossiers take a few round trips, small enough that one
# transaction (and its row locks) stays short.
BATCH = 1000


def sweep_overdue(runtime: ServiceRuntime) -> int:
    """Emit `dossier.overdue` for every open dossier past its due instant, once per due date; returns
    how many were emitted."""
    return sweep_in_batches(lambda limit: service.alert_overdue_dossiers(runtime.uow(), limit=limit), BATCH)
