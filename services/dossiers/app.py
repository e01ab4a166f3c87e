"""The dossiers service as the runtime sees it."""

from pathlib import Path

from services.dossiers.api import dossiers_blp, procedures_blp
from services.dossiers.handlers import on_external_dossier_received
from services.dossiers.models import Base
from services.dossiers.sweeps import sweep_overdue
from shared.consumer import Stream
from shared.runtime import ServiceSpec, Sweep
from shared.topology import INGEST


def build() -> ServiceSpec:
    return ServiceSpec(
        name="dossiers",
        title="Kỷ Cương — Hồ sơ thủ tục hành chính (dossiers)",
        metadata=Base.metadata,
        migrations=Path(__file__).with_name("migrations"),
        blueprints=[procedures_blp, dossiers_blp],
        # Nothing on kycuong.events yet: external one-stop systems publish on their own exchange.
        handlers={},
        streams=[Stream("ingest", INGEST, {"dossier.received": on_external_dossier_received})],
        sweeps=[Sweep("overdue", sweep_overdue, interval=None)],
    )
