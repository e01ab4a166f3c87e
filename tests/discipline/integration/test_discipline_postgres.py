"""The discipline service on PostgreSQL: the Hà Nội import, Vietnamese ordering done by the database,
and the late-dossier chain up to a sanction proposal."""

import json
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from conftest import publish, wait_until

from services.discipline.use_cases.directory import assign_head, import_departments, import_province, upsert_official
from shared.events.envelope import Event

API = "/discipline/api/v1"
HANOI = timezone(timedelta(hours=7))


def overdue(code, day):
    due = datetime(2026, 11, day, 17, 0, tzinfo=HANOI)
    return Event(type="dossier.overdue", source="/kycuong/test/dossiers", subject=code, unit="W00070", data={
        "code": code, "procedure_code": "1.001234", "unit": "W00070",
        "received_at": (due - timedelta(days=5)).isoformat(), "due_at": due.isoformat(),
        "detected_at": datetime(2026, 11, 16, 9, 0, tzinfo=HANOI).isoformat(), "official": "CB-001",
    }, id=str(uuid.uuid4())).to_json()


@pytest.fixture
def svc(start_service, pg_database):
    running = start_service("discipline", database_url=pg_database("discipline"))
    yield running
    # Workers must be gone before the database is dropped and before the next test's broker starts.
    running.stop.set()
    for thread in running.runtime._threads:
        thread.join(timeout=5)


def test_on_postgresql_hanoi_imports_sorts_and_late_dossiers_become_a_proposal(svc, memory_broker):
    uow = svc.runtime.uow
    import_province(uow(), 1)
    import_departments(uow())
    assert import_province(uow(), 1).unchanged == 127
    assert svc.scalar("SELECT count(*) FROM units WHERE parent = 'P01' AND kind IN ('ward', 'commune')") == 126

    headers = svc.headers(roles=["officer"], unit="W00070")
    wards = svc.client.get(f"{API}/units?kind=ward&page_size=500", headers=headers).json
    names = [u["name"] for u in wards["items"]]
    assert names.index("Phường Dương Nội") < names.index("Phường Đống Đa")
    assert names.index("Phường Long Biên") < names.index("Phường Ô Chợ Dừa")

    upsert_official(uow(), "CB-001", "Nguyễn Thị Lan", "W00070", "cong_chuc", "Chuyên viên")
    upsert_official(uow(), "CB-100", "Trần Văn Minh", "W00070", "can_bo", "Chủ tịch UBND phường", True)
    assign_head(uow(), "W00070", "CB-100", "2025-07-01")
    for code, day in [("HS-1", 3), ("HS-2", 10), ("HS-3", 13)]:
        publish(memory_broker, overdue(code, day), "dossier.overdue")

    inspector = svc.headers(roles=["inspector"])
    page = wait_until(lambda: (p := svc.client.get(f"{API}/sanction-proposals", headers=inspector).json)["total"]
                      and p, message="a sanction proposal")
    assert page["items"][0]["facts"] == ["HS-1", "HS-2", "HS-3"]
    assert page["items"][0]["rule_set"] == "ND172-2025/local-1"
    explained = svc.client.get(f"{API}/explanations?subject=HS-3", headers=inspector).json
    assert sorted(e["official"] for e in explained["items"]) == ["CB-001", "CB-100"]
    body = json.loads(bytes(svc.scalar("SELECT body FROM outbox WHERE routing_key = 'sanction.proposed'")))
    assert body["data"]["rule"] == "official-late-dossiers"
