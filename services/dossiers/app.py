"""The dossiers service as the runtime sees it."""

from pathlib import Path

from services.dossiers import handlers
from services.dossiers.api import calendar_blp, dossiers_blp, ingest_blp, procedures_blp, units_blp
from services.dossiers.models import Base
from services.dossiers.pages import pages
from services.dossiers.sweeps import sweep_calendar, sweep_overdue, sweep_warnings
from shared.consumer import Stream
from shared.runtime import ServiceSpec, Sweep
from shared.topology import INGEST


def build() -> ServiceSpec:
    return ServiceSpec(
        name="dossiers",
        title="Kỷ Cương — Hồ sơ thủ tục hành chính (dossiers)",
        metadata=Base.metadata,
        migrations=Path(__file__).with_name("migrations"),
        blueprints=[procedures_blp, dossiers_blp, calendar_blp, units_blp, ingest_blp],
        pages=[pages],
        # The directory's unit names, for the apology letter's header.
        handlers=handlers.events,
        # External events are checked against the ingest contract by their handler, not the catalog's
        # schemas (what dossiers emits); dead letters are counted as rejections.
        streams=[Stream("ingest", INGEST, handlers.ingest_events, validate=False,
                        on_dead_letter=handlers.on_external_dead_letter)],
        sweeps=[Sweep("overdue", sweep_overdue, interval=None), Sweep("warnings", sweep_warnings, interval=None),
                Sweep("calendar", sweep_calendar, interval=None)],
    )
