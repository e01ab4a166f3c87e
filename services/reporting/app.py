"""The reporting service as the runtime sees it."""

from pathlib import Path

from services.reporting import handlers
from services.reporting.api import blp, evaluations_blp, public_blp, reports_blp
from services.reporting.models import Base
from services.reporting.pages import board, classification, home, lists, rankings, reports, scorecard
from services.reporting.sweeps import sweep_reports
from shared.runtime import ServiceSpec, Sweep


def build() -> ServiceSpec:
    return ServiceSpec(
        name="reporting",
        title="Kỷ Cương — Báo cáo, xếp hạng (reporting)",
        metadata=Base.metadata,
        migrations=Path(__file__).with_name("migrations"),
        blueprints=[blp, reports_blp, public_blp, evaluations_blp],
        pages=[home, lists, reports, scorecard, board, classification, rankings],
        sweeps=[Sweep("reports", sweep_reports)],
        handlers=handlers.events,
    )
