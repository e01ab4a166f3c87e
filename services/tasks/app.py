"""The tasks service as the runtime sees it."""

from pathlib import Path

from services.tasks.api import blp
from services.tasks.models import Base
from shared.runtime import ServiceSpec


def build() -> ServiceSpec:
    return ServiceSpec(
        name="tasks",
        title="Kỷ Cương — Nhiệm vụ (tasks)",
        metadata=Base.metadata,
        migrations=Path(__file__).with_name("migrations"),
        blueprints=[blp],
    )
