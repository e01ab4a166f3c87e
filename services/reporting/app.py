"""The reporting service as the runtime sees it."""

from pathlib import Path

from services.reporting import handlers
from services.reporting.api import blp
from services.reporting.models import Base
from shared.runtime import ServiceSpec


def build() -> ServiceSpec:
    return ServiceSpec(
        name="reporting",
        title="Kỷ Cương — Báo cáo, xếp hạng (reporting)",
        metadata=Base.metadata,
        migrations=Path(__file__).with_name("migrations"),
        blueprints=[blp],
        handlers={
            "directory.unit_upserted": handlers.on_unit_upserted,
            "dossier.received": handlers.on_dossier_received,
            "dossier.completed": handlers.on_dossier_completed,
            "dossier.overdue": handlers.on_dossier_overdue,
            "explanation.requested": handlers.on_explanation_requested,
            "sanction.proposed": handlers.on_sanction_proposed,
            "task.assigned": handlers.on_task_assigned,
            "task.completed": handlers.on_task_completed,
            "task.overdue": handlers.on_task_overdue,
            "task.extension_decided": handlers.on_task_extension_decided,
            "rating.submitted": handlers.on_rating_submitted,
        },
    )
