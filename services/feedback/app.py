"""The feedback service as the runtime sees it."""

from pathlib import Path

from services.feedback import handlers
from services.feedback.api import blp, public_blp, ratings_blp
from services.feedback.models import Base
from services.feedback.pages import citizen, open311, publications
from services.feedback.sweeps import sweep_client_allowance, sweep_due_soon, sweep_overdue, sweep_survey_rounds
from shared.runtime import ServiceSpec, Sweep


def build() -> ServiceSpec:
    return ServiceSpec(
        name="feedback",
        title="Kỷ Cương — Phản ánh, kiến nghị (feedback)",
        metadata=Base.metadata,
        migrations=Path(__file__).with_name("migrations"),
        blueprints=[blp, ratings_blp, public_blp],
        pages=[open311, citizen, publications],
        handlers=handlers.events,
        sweeps=[Sweep("due_soon", sweep_due_soon), Sweep("overdue", sweep_overdue),
                Sweep("survey_rounds", sweep_survey_rounds),
                Sweep("client_allowance", sweep_client_allowance, interval=60)],
    )
