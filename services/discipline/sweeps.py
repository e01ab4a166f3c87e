"""Periodic jobs of the discipline service: explanations whose deadline passed unanswered."""

from __future__ import annotations

from typing import TYPE_CHECKING

from services.discipline.use_cases.explanations import mark_missed_explanations
from shared.alerts import sweep_in_batches

if TYPE_CHECKING:
    from shared.runtime import ServiceRuntime

# Each missed explanation also records a violation and runs the sanction rules: keep transactions short.
BATCH = 200


def sweep_missed_explanations(runtime: ServiceRuntime) -> int:
    """`explanation.missed` (and a violation) for every request still unanswered past its deadline, once."""
    return sweep_in_batches(lambda limit: mark_missed_explanations(runtime.uow(), limit=limit), BATCH)
