"""The feedback service as the runtime sees it."""

from pathlib import Path

from services.feedback.api import blp
from services.feedback.models import Base
from shared.runtime import ServiceSpec


def build() -> ServiceSpec:
    return ServiceSpec(
        name="feedback",
        title="Kỷ Cương — Phản ánh, kiến nghị (feedback)",
        metadata=Base.metadata,
        migrations=Path(__file__).with_name("migrations"),
        blueprints=[blp],
    )
