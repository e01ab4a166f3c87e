"""The pure domain of reporting (being split by concept into the modules of this package)."""

# TRANSITION: importers move to the submodules; this list then goes
from services.reporting.domain.task_facts import *  # noqa: F403
