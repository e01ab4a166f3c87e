"""The discipline service as the runtime sees it."""

from pathlib import Path

from services.discipline.api import accountability, audit, directory
from services.discipline.handlers import (
    on_dossier_completed,
    on_dossier_overdue,
    on_feedback_overdue,
    on_misconduct_reported,
    on_task_overdue,
)
from services.discipline.models import Base
from services.discipline.sweeps import sweep_missed_explanations
from shared.runtime import ServiceSpec, Sweep


def build() -> ServiceSpec:
    return ServiceSpec(
        name="discipline",
        title="Kỷ Cương — Kỷ luật, giải trình (discipline)",
        metadata=Base.metadata,
        migrations=Path(__file__).with_name("migrations"),
        blueprints=[directory, accountability, audit],
        handlers={"dossier.overdue": on_dossier_overdue, "task.overdue": on_task_overdue,
                  "misconduct.reported": on_misconduct_reported, "feedback.overdue": on_feedback_overdue,
                  "dossier.completed": on_dossier_completed},
        sweeps=[Sweep("missed_explanations", sweep_missed_explanations)],
    )
