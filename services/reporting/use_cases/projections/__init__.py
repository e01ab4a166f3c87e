"""Projections of every event type reporting reads, one module per family of events; importing this
package fills the registry (`PROJECTIONS`)."""

from services.reporting.use_cases.projections import (  # noqa: F401  (each module registers its projections)
    directory,
    dossiers,
    occurrences,
    people,
    ratings,
    sanctions,
    tasks,
)
from services.reporting.use_cases.projections.registry import PROJECTIONS, project_event, projection

__all__ = ["PROJECTIONS", "project_event", "projection"]
