"""Tasks name only the directory's units and officials: lead and co-operating units, the assignee."""

from dataclasses import replace
from datetime import datetime, timedelta, timezone

from services.tasks import handlers
from shared.events import catalog
from shared.events.envelope import Event

URL = "/tasks/api/v1/tasks"
T0 = datetime(2026, 11, 2, 9, tzinfo=timezone(timedelta(hours=7)))


def directory_event(svc, what, **data):
    """Apply a discipline directory event as the consumer does (the same handler, the same typed values)."""
    event = Event(type=f"directory.{what}_upserted", source="/kycuong/test/discipline", subject=data["code"],
                  unit=data.get("unit", data["code"]), time=T0, data=data)
    handlers.events[event.type](replace(event, values=catalog.load(event.type, event.data)), svc.runtime.uow())


def with_directory(svc):
    for code, name in [("SO-NV", "Sở Nội vụ"), ("SO-TC", "Sở Tài chính"), ("VP-UBND", "Văn phòng UBND")]:
        directory_event(svc, "unit", code=code, name=name, parent=None, kind="department")
    directory_event(svc, "official", code="CB-NV-01", name="Lê Thị Hoa", unit="SO-NV", category="cong_chuc")
    directory_event(svc, "official", code="CB-TC-01", name="Phạm Văn Minh", unit="SO-TC", category="cong_chuc")


def post(svc, **changes):
    data = {"title": "Rà soát hồ sơ quá hạn quý IV/2026", "lead_unit": "SO-NV", "co_units": ["SO-TC"],
            "due_at": "2026-12-15T17:00:00+07:00", **changes}
    return svc.client.post(URL, json=data, headers=svc.headers(sub="vp", unit="VP-UBND", roles=("office",)))


def test_a_task_names_only_units_and_officials_of_the_directory(start_service):
    svc = start_service("tasks", workers=False)
    with_directory(svc)

    unknown_lead = post(svc, lead_unit="SO-MA")
    unknown_co = post(svc, co_units=["SO-TC", "SO-MA"])
    unknown_assignee = post(svc, assignee="CB-MA-99")
    assignee_elsewhere = post(svc, assignee="CB-TC-01")
    fine = post(svc, assignee="CB-NV-01")

    assert unknown_lead.status_code == 422 and list(unknown_lead.get_json()["errors"]) == ["lead_unit"]
    assert "SO-MA is not in the directory" in unknown_lead.get_json()["errors"]["lead_unit"][0]
    assert unknown_co.status_code == 422 and list(unknown_co.get_json()["errors"]) == ["co_units"]
    assert unknown_assignee.status_code == 422 and list(unknown_assignee.get_json()["errors"]) == ["assignee"]
    assert assignee_elsewhere.status_code == 422
    assert "official of the lead unit" in assignee_elsewhere.get_json()["errors"]["assignee"][0]
    assert fine.status_code == 201
    assert svc.scalar("SELECT count(*) FROM tasks") == 1
    assert svc.scalar("SELECT count(*) FROM outbox WHERE body LIKE '%SO-MA%'") == 0


def test_before_the_directory_arrives_codes_are_checked_by_pattern_only(start_service, caplog):
    svc = start_service("tasks", workers=False)

    fresh = post(svc, assignee="CB-NV-01")
    malformed = post(svc, lead_unit="SO NV", co_units=["=1+1"])

    assert fresh.status_code == 201
    assert malformed.status_code == 422 and set(malformed.get_json()["errors"]) == {"lead_unit", "co_units"}
    assert "directory has not reached the tasks service" in caplog.text
