"""The tasks service as the runtime sees it."""

from pathlib import Path

from services.tasks import handlers
from services.tasks.api import blp, digests_blp, directives_blp, leaders_blp, plans_blp
from services.tasks.models import Base
from services.tasks.pages import pages
from services.tasks.sweeps import sweep_monday_digest, sweep_occurrences, sweep_overdue, sweep_reminders
from shared.runtime import ServiceSpec, Sweep


def build() -> ServiceSpec:
    return ServiceSpec(
        name="tasks",
        title="Kỷ Cương — Nhiệm vụ (tasks)",
        metadata=Base.metadata,
        migrations=Path(__file__).with_name("migrations"),
        blueprints=[directives_blp, blp, leaders_blp, digests_blp, plans_blp],
        pages=[pages],
        handlers=handlers.events,
        sweeps=[
            Sweep("occurrences", sweep_occurrences),
            Sweep("reminders", sweep_reminders),
            Sweep("overdue", sweep_overdue),
            Sweep("monday_digest", sweep_monday_digest),
        ],
    )
