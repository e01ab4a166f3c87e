"""A department instance takes a batch holding its own dossier and a refused message (a sender that is no
registered publisher): the refused one is dead-lettered alone, the dossier is taken."""

import json
import uuid
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

from batch_equivalence import runner

from services.dossiers.use_cases import procedures
from shared.events.envelope import CONTENT_TYPE

HANOI = timezone(timedelta(hours=7))
UNIT = "HN-DEP-STP"


def received(code: str, now: datetime) -> bytes:
    data = {"code": code, "unit": UNIT, "procedure_code": "1.001612", "handler": "CB-DEP-1",
            "received_at": (now - timedelta(hours=1)).astimezone(HANOI).isoformat()}
    return json.dumps({"specversion": "1.0", "id": str(uuid.uuid4()), "source": "/mot-cua/ha-noi",
                       "type": "dossier.received", "time": datetime.now(UTC).isoformat(), "subject": code,
                       "datacontenttype": "application/json", "data": data}).encode()


def test_a_refused_message_in_a_batch_does_not_cost_the_others(start_service, pg_database):
    svc = start_service("dossiers", workers=False, database_url=pg_database("refusal"), units=(UNIT,),
                        publishers={"stp-system": [UNIT]})
    procedures.register_procedure(svc.runtime.uow(), procedures.RegisterProcedure(
        code="1.001612", name="Cấp giấy phép", processing_days=Decimal(3)))
    consumer = runner(svc, "ingest")
    now = svc.runtime.clock.now()
    results = consumer.process_batch([(received("HS-OWN-1", now), {}, CONTENT_TYPE, "stp-system"),
                                      (received("HS-INTRUDER-1", now), {}, CONTENT_TYPE, "guest")])
    assert [outcome for outcome, _ in results] == ["done", "dead"], results
    assert svc.scalar("SELECT count(*) FROM dossiers WHERE code = 'HS-OWN-1'") == 1
    assert svc.scalar("SELECT count(*) FROM dossiers WHERE code = 'HS-INTRUDER-1'") == 0
