"""The discipline service as the runtime sees it."""

from pathlib import Path

from services.discipline import handlers
from services.discipline.api import accountability, audit, directory
from services.discipline.models import Base
from services.discipline.pages import explanations, inspections, inspector, proposals, sign_in
from services.discipline.sweeps import sweep_missed_explanations
from shared.runtime import ServiceSpec, Sweep


def build() -> ServiceSpec:
    return ServiceSpec(
        name="discipline",
        title="Kỷ Cương — Kỷ luật, giải trình (discipline)",
        metadata=Base.metadata,
        migrations=Path(__file__).with_name("migrations"),
        blueprints=[directory, accountability, audit],
        pages=[sign_in, explanations, inspector, proposals, inspections],
        handlers=handlers.events,
        sweeps=[Sweep("missed_explanations", sweep_missed_explanations)],
    )
