"""The discipline service as the runtime sees it."""

from pathlib import Path

from services.discipline.api import accountability, directory
from services.discipline.handlers import (
    on_dossier_overdue,
    on_feedback_overdue,
    on_misconduct_reported,
    on_task_overdue,
)
from services.discipline.models import Base
from shared.runtime import ServiceSpec


def build() -> ServiceSpec:
    return ServiceSpec(
        name="discipline",
        title="Kỷ Cương — Kỷ luật, giải trình (discipline)",
        metadata=Base.metadata,
        migrations=Path(__file__).with_name("migrations"),
        blueprints=[directory, accountability],
        handlers={"dossier.overdue": on_dossier_overdue, "task.overdue": on_task_overdue,
                  "misconduct.reported": on_misconduct_reported, "feedback.overdue": on_feedback_overdue},
    )
