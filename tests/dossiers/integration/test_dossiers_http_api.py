"""The dossiers HTTP API on SQLite: procedures, receiving, deadlines, reading, finishing."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

HANOI = timezone(timedelta(hours=7))
API = "/dossiers/api/v1"
UNIT = "PHUONG-HOAN-KIEM"
OTHER_UNIT = "PHUONG-BA-DINH"
APPLICANT = {"name": "Nguyễn Thị Hạnh", "phone": "0912 345 678", "email": "hanh.nt@example.vn",
             "address": "12 Hàng Bạc, Hoàn Kiếm, Hà Nội"}


def at(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=HANOI)


@pytest.fixture
def dossiers(start_service, clock):
    # Saturday 21 November 2026: "today" for these tests, after Friday's dossiers arrived.
    clock.set(at(2026, 11, 21, 10))
    return start_service("dossiers", workers=False)


def register(svc, code="1.001234", days="1", steps=None, name="Cấp giấy phép xây dựng nhà ở riêng lẻ"):
    body = {"code": code, "name": name, "processing_days": days}
    if steps is not None:
        body["steps"] = steps
    response = svc.client.post(f"{API}/procedures", json=body, headers=svc.headers(roles=("office",)))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def receive(svc, procedure_code="1.001234", received_at="2026-11-20T16:00:00+07:00", unit=UNIT,
            handler="CB-0042", headers=None, **extra):
    body = {"procedure_code": procedure_code, "unit": unit, "handler": handler, "applicant": APPLICANT, **extra}
    if received_at is not None:
        body["received_at"] = received_at
    return svc.client.post(f"{API}/dossiers", json=body,
                           headers=headers or svc.headers(sub="CB-0042", unit=unit, roles=("officer",)))


def outbox_bodies(svc, event_type: str | None = None) -> list[dict]:
    sql = "SELECT body FROM outbox" + (" WHERE routing_key = :t" if event_type else "") + " ORDER BY id"
    with svc.runtime.engine.connect() as conn:
        from sqlalchemy import text

        rows = conn.execute(text(sql), {"t": event_type} if event_type else {}).scalars().all()
    return [json.loads(bytes(body)) for body in rows]


# -- procedures ----------------------------------------------------------------------------------

def test_dossiers_procedure_with_a_step_plan_is_registered_and_readable_by_anyone(dossiers):
    steps = [{"key": "receive", "name": "Tiếp nhận", "days": "0.25"},
             {"key": "appraise", "name": "Thẩm định", "days": 1.25},
             {"key": "approve", "name": "Phê duyệt", "days": "1.5"}]
    created = register(dossiers, code="1.004227", days=3, steps=steps)
    assert created["processing_days"] == 3
    assert [(s["key"], s["days"]) for s in created["steps"]] == [
        ("receive", 0.25), ("appraise", 1.25), ("approve", 1.5)]

    one = dossiers.client.get(f"{API}/procedures/1.004227")
    assert one.status_code == 200
    assert one.get_json()["name"] == "Cấp giấy phép xây dựng nhà ở riêng lẻ"
    listed = dossiers.client.get(f"{API}/procedures").get_json()
    assert listed["total"] == 1 and listed["items"][0]["code"] == "1.004227"
    assert dossiers.client.get(f"{API}/procedures/9.999999").status_code == 404


def test_dossiers_procedure_codes_are_unique(dossiers):
    register(dossiers)
    again = dossiers.client.post(f"{API}/procedures", json={"code": "1.001234", "name": "Khác", "processing_days": 2},
                                 headers=dossiers.headers(roles=("admin",)))
    assert again.status_code == 409
    assert "code" in again.get_json()["errors"]


def test_dossiers_step_plan_that_does_not_add_up_is_refused_and_nothing_stored(dossiers):
    response = dossiers.client.post(f"{API}/procedures", json={
        "code": "1.004227", "name": "Cấp giấy phép", "processing_days": 3,
        "steps": [{"key": "receive", "name": "Tiếp nhận", "days": 0.5},
                  {"key": "approve", "name": "Phê duyệt", "days": 2}]},
        headers=dossiers.headers(roles=("office",)))
    assert response.status_code == 422
    body = response.get_json()
    assert list(body["errors"]) == ["steps"]
    assert "2.5" in body["errors"]["steps"][0]
    assert dossiers.scalar("SELECT count(*) FROM procedures") == 0


def test_dossiers_a_step_without_time_is_refused(dossiers):
    response = dossiers.client.post(f"{API}/procedures", json={
        "code": "1.004227", "name": "Cấp giấy phép", "processing_days": 1,
        "steps": [{"key": "receive", "name": "Tiếp nhận", "days": 0},
                  {"key": "approve", "name": "Phê duyệt", "days": 1}]},
        headers=dossiers.headers(roles=("office",)))
    assert response.status_code == 422
    assert "steps" in response.get_json()["errors"]


def test_dossiers_only_the_office_and_admins_register_procedures(dossiers):
    response = dossiers.client.post(f"{API}/procedures", json={"code": "1.1", "name": "X", "processing_days": 1},
                                    headers=dossiers.headers(unit=UNIT, roles=("officer",)))
    assert response.status_code == 403
    assert dossiers.client.post(f"{API}/procedures", json={}).status_code == 401


# -- receiving -----------------------------------------------------------------------------------

def test_dossiers_received_after_the_friday_cutoff_is_due_monday_evening(dossiers):
    register(dossiers, days="1")
    response = receive(dossiers)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["code"].startswith("HS-202611-")
    assert body["status"] == "received"
    assert body["received_at"] == "2026-11-20T16:00:00+07:00"
    assert body["counting_starts_at"] == "2026-11-23T08:00:00+07:00"
    assert body["due_at"] == "2026-11-23T17:00:00+07:00"
    assert (body["procedure_code"], body["unit"], body["handler"]) == ("1.001234", UNIT, "CB-0042")
    assert body["timeliness"] == "within_deadline"
    assert body["applicant"]["name"] == "Nguyễn Thị Hạnh"

    [event] = outbox_bodies(dossiers, "dossier.received")
    assert event["subject"] == body["code"] and event["unit"] == UNIT
    assert event["data"] == {
        "code": body["code"], "procedure_code": "1.001234", "unit": UNIT,
        "received_at": "2026-11-20T16:00:00+07:00", "handler": "CB-0042",
        "due_at": "2026-11-23T17:00:00+07:00", "processing_days": "1", "channel": "direct"}


def test_dossiers_deadline_explanation_shows_the_cutoff_and_the_weekend(dossiers):
    register(dossiers, days="1")
    code = receive(dossiers).get_json()["code"]
    response = dossiers.client.get(f"{API}/dossiers/{code}/deadline")  # public: a citizen may ask
    assert response.status_code == 200
    explained = response.get_json()
    assert explained["procedure_code"] == "1.001234"
    assert explained["processing_days"] == 1
    assert explained["cutoff_applied"] is True
    assert explained["counting_starts_at"] == "2026-11-23T08:00:00+07:00"
    assert explained["due_at"] == explained["recorded_due_at"] == "2026-11-23T17:00:00+07:00"
    assert explained["rules_version"] == "default"
    assert [(d["day"], d["reason"]) for d in explained["skipped_days"]] == [
        ("2026-11-20", "after_cutoff"), ("2026-11-21", "saturday"), ("2026-11-22", "sunday")]
    assert [(d["day"], d["counted_hours"]) for d in explained["days"]] == [("2026-11-23", 8.0)]


def test_dossiers_received_before_tet_is_due_after_tet(dossiers, clock):
    clock.set(at(2026, 2, 13, 9))
    register(dossiers, days="2")
    body = receive(dossiers, received_at="2026-02-13T08:00:00+07:00").get_json()
    # Friday 13 February counts fully; the weekend, the five days of Tết and the next weekend do not.
    assert body["due_at"] == "2026-02-23T17:00:00+07:00"
    explained = dossiers.client.get(f"{API}/dossiers/{body['code']}/deadline").get_json()
    holidays = [d["day"] for d in explained["skipped_days"] if d["reason"] == "holiday"]
    assert holidays == ["2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20"]
    assert "Tết Nguyên Đán" in explained["skipped_days"][3]["label_vi"]


def test_dossiers_received_at_defaults_to_now(dossiers, clock):
    clock.set(at(2026, 11, 23, 9))
    register(dossiers, days="0.5")
    body = receive(dossiers, received_at=None).get_json()
    assert body["received_at"] == "2026-11-23T09:00:00+07:00"
    assert body["due_at"] == "2026-11-23T14:00:00+07:00"  # four office hours, lunch excluded


@pytest.mark.parametrize(("change", "field"), [
    ({"procedure_code": "9.999999"}, "procedure_code"),
    ({"received_at": "2026-11-20T16:00:00"}, "received_at"),  # no offset: which 16:00?
    ({"received_at": "2026-11-28T09:00:00+07:00"}, "received_at"),  # next week
    ({"received_at": "1999-06-01T09:00:00+07:00"}, "received_at"),  # before the calendar's years
    ({"applicant": {"phone": "0912345678"}}, "applicant"),
    ({"channel": "carrier-pigeon"}, "channel"),
    ({"code": "HS/2026/1"}, "code"),
])
def test_dossiers_invalid_dossier_is_refused_with_the_field_and_nothing_stored(dossiers, change, field):
    register(dossiers)
    body = {"procedure_code": "1.001234", "unit": UNIT, "received_at": "2026-11-20T16:00:00+07:00",
            "applicant": APPLICANT, **change}
    response = dossiers.client.post(f"{API}/dossiers", json=body,
                                    headers=dossiers.headers(unit=UNIT, roles=("officer",)))
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]
    assert dossiers.scalar("SELECT count(*) FROM dossiers") == 0
    assert dossiers.scalar("SELECT count(*) FROM dossier_applicants") == 0
    assert dossiers.scalar("SELECT count(*) FROM outbox") == 0


def test_dossiers_given_codes_are_kept_and_must_be_unique(dossiers):
    register(dossiers)
    first = receive(dossiers, code="000.00.20.H26-261120-0001")
    assert first.status_code == 201 and first.get_json()["code"] == "000.00.20.H26-261120-0001"
    second = receive(dossiers, code="000.00.20.H26-261120-0001")
    assert second.status_code == 409
    assert dossiers.scalar("SELECT count(*) FROM outbox") == 1


def test_dossiers_an_officer_receives_only_for_their_own_unit(dossiers):
    register(dossiers)
    response = receive(dossiers, unit=OTHER_UNIT, headers=dossiers.headers(unit=UNIT, roles=("officer",)))
    assert response.status_code == 403
    inspector = receive(dossiers, headers=dossiers.headers(roles=("inspector",)))
    assert inspector.status_code == 403
    office = receive(dossiers, unit=OTHER_UNIT, headers=dossiers.headers(roles=("office",)))
    assert office.status_code == 201
    assert dossiers.scalar("SELECT count(*) FROM dossiers") == 1


def test_dossiers_an_instance_refuses_units_it_does_not_serve(start_service, clock):
    clock.set(at(2026, 11, 21, 10))
    svc = start_service("dossiers", workers=False, units=(UNIT,))
    register(svc)
    refused = receive(svc, unit=OTHER_UNIT, headers=svc.headers(roles=("admin",)))
    assert refused.status_code == 422
    assert OTHER_UNIT in refused.get_json()["message"]
    assert receive(svc).status_code == 201


# -- reading -------------------------------------------------------------------------------------

def test_dossiers_tracking_is_public_but_personal_data_only_for_the_unit(dossiers):
    register(dossiers)
    code = receive(dossiers).get_json()["code"]
    url = f"{API}/dossiers/{code}"

    public = dossiers.client.get(url)
    assert public.status_code == 200
    assert public.get_json()["due_at"] == "2026-11-23T17:00:00+07:00"
    assert "applicant" not in public.get_json()
    assert "Nguyễn" not in public.get_data(as_text=True)

    for roles, unit in [(("officer",), OTHER_UNIT), (("head",), OTHER_UNIT), (("inspector",), None)]:
        seen = dossiers.client.get(url, headers=dossiers.headers(unit=unit, roles=roles)).get_json()
        assert "applicant" not in seen, roles
    for roles, unit in [(("officer",), UNIT), (("head",), UNIT), (("office",), None), (("admin",), None)]:
        seen = dossiers.client.get(url, headers=dossiers.headers(unit=unit, roles=roles)).get_json()
        assert seen["applicant"] == APPLICANT, roles

    assert dossiers.client.get(f"{API}/dossiers/HS-000000-NOPE").status_code == 404


def test_dossiers_open_dossier_past_its_due_instant_reads_as_overdue(dossiers, clock):
    register(dossiers)
    code = receive(dossiers).get_json()["code"]
    clock.set(at(2026, 11, 23, 16, 59))
    assert dossiers.client.get(f"{API}/dossiers/{code}").get_json()["timeliness"] == "within_deadline"
    clock.set(at(2026, 11, 24, 9))
    body = dossiers.client.get(f"{API}/dossiers/{code}").get_json()
    assert body["timeliness"] == "overdue"
    assert body["overdue_since"] == "2026-11-23T17:00:00+07:00"
    assert body["completed_at"] is None


def test_dossiers_list_is_scoped_to_the_callers_unit_and_filters_overdue(dossiers, clock):
    register(dossiers, code="1.001234", days="1")
    register(dossiers, code="2.000111", days="10")
    office = dossiers.headers(roles=("office",))
    late = receive(dossiers, headers=office).get_json()["code"]
    timely = receive(dossiers, procedure_code="2.000111", headers=office).get_json()["code"]
    elsewhere = receive(dossiers, unit=OTHER_UNIT, headers=office).get_json()["code"]
    clock.set(at(2026, 11, 24, 9))

    mine = dossiers.client.get(f"{API}/dossiers", headers=dossiers.headers(unit=UNIT, roles=("officer",)))
    assert mine.status_code == 200
    assert [d["code"] for d in mine.get_json()["items"]] == [late, timely]  # by due date
    assert all("applicant" not in d for d in mine.get_json()["items"])

    overdue = dossiers.client.get(f"{API}/dossiers?overdue=true", headers=office).get_json()
    assert sorted(d["code"] for d in overdue["items"]) == sorted([late, elsewhere])
    assert overdue["total"] == 2
    not_overdue = dossiers.client.get(f"{API}/dossiers?overdue=false", headers=office).get_json()
    assert [d["code"] for d in not_overdue["items"]] == [timely]

    other = dossiers.client.get(f"{API}/dossiers?unit={OTHER_UNIT}",
                                headers=dossiers.headers(unit=UNIT, roles=("officer",)))
    assert other.status_code == 403
    page = dossiers.client.get(f"{API}/dossiers?page_size=1&page=2", headers=office).get_json()
    assert (page["total"], len(page["items"])) == (3, 1)
    assert dossiers.client.get(f"{API}/dossiers").status_code == 401


# -- finishing -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("completed_at", "timeliness"), [
    ("2026-11-20T16:30:00+07:00", "early"),  # before the due date
    ("2026-11-23T16:59:00+07:00", "on_time"),  # on the due date, a minute before the due instant
    ("2026-11-24T08:30:00+07:00", "late"),
])
def test_dossiers_completion_is_judged_early_on_time_or_late(dossiers, clock, completed_at, timeliness):
    register(dossiers)
    code = receive(dossiers).get_json()["code"]
    clock.set(at(2026, 11, 24, 10))
    response = dossiers.client.post(f"{API}/dossiers/{code}/completion", json={"completed_at": completed_at},
                                    headers=dossiers.headers(unit=UNIT, roles=("officer",)))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["status"], body["timeliness"], body["completed_at"]) == ("completed", timeliness, completed_at)

    [event] = outbox_bodies(dossiers, "dossier.completed")
    data = event["data"]
    assert (data["timeliness"], data["completed_at"], data["due_at"]) == (
        timeliness, completed_at, "2026-11-23T17:00:00+07:00")
    responsible = (data["responsible_step"], data["responsible_official"], data["responsible_unit"])
    assert responsible == ((None, "CB-0042", UNIT) if timeliness == "late" else (None, None, None))


def test_dossiers_completion_defaults_to_now_and_happens_once(dossiers, clock):
    register(dossiers)
    code = receive(dossiers).get_json()["code"]
    clock.set(at(2026, 11, 23, 11))
    headers = dossiers.headers(unit=UNIT, roles=("head",))
    done = dossiers.client.post(f"{API}/dossiers/{code}/completion", json={}, headers=headers)
    assert done.get_json()["completed_at"] == "2026-11-23T11:00:00+07:00"
    assert done.get_json()["timeliness"] == "on_time"
    again = dossiers.client.post(f"{API}/dossiers/{code}/completion", json={}, headers=headers)
    assert again.status_code == 409
    assert len(outbox_bodies(dossiers, "dossier.completed")) == 1


def test_dossiers_completion_is_refused_for_another_unit_or_an_impossible_time(dossiers, clock):
    register(dossiers)
    code = receive(dossiers).get_json()["code"]
    url = f"{API}/dossiers/{code}/completion"
    other = dossiers.client.post(url, json={}, headers=dossiers.headers(unit=OTHER_UNIT, roles=("officer",)))
    assert other.status_code == 403
    before = dossiers.client.post(url, json={"completed_at": "2026-11-20T15:00:00+07:00"},
                                  headers=dossiers.headers(roles=("admin",)))
    assert before.status_code == 422 and "completed_at" in before.get_json()["errors"]
    assert dossiers.client.post(f"{API}/dossiers/HS-000000-NOPE/completion", json={},
                                headers=dossiers.headers(roles=("admin",))).status_code == 404
    assert dossiers.scalar("SELECT status FROM dossiers") == "received"


def test_dossiers_no_event_carries_the_applicants_personal_data(dossiers, clock):
    register(dossiers)
    code = receive(dossiers).get_json()["code"]
    clock.set(at(2026, 11, 24, 9))
    dossiers.client.post(f"{API}/dossiers/{code}/completion", json={}, headers=dossiers.headers(roles=("admin",)))
    with dossiers.runtime.engine.connect() as conn:
        from sqlalchemy import text

        bodies = [bytes(b).decode() for b in conn.execute(text("SELECT body FROM outbox")).scalars()]
    assert len(bodies) == 2
    for body in bodies:
        for value in APPLICANT.values():
            assert value not in body


def test_dossiers_a_dossier_names_a_unit_of_the_directory_once_it_has_arrived(dossiers, clock):
    """A made-up unit would appear in every public ranking: once the directory's units have reached
    dossiers, a dossier for any other unit is refused by field; before (a fresh install) only the code's
    form is checked, so intake never waits on the order services were installed in."""
    from services.dossiers.use_cases.directory import UnitUpserted, record_unit

    register(dossiers)
    assert receive(dossiers, unit="HN-SXD").status_code == 201  # no directory yet: the form is enough
    malformed = receive(dossiers, unit="Sở Xây dựng")
    assert malformed.status_code == 422 and "unit" in malformed.json["errors"]
    record_unit(dossiers.runtime.uow(), UnitUpserted(code="HN-SXD", name="Sở Xây dựng"), clock.now())
    assert receive(dossiers, unit="HN-SXD").status_code == 201
    before = dossiers.scalar("SELECT count(*) FROM dossiers")
    unknown = receive(dossiers, unit="HN-SXD-FAKE")
    assert unknown.status_code == 422
    assert "không có trong danh mục" in unknown.json["errors"]["unit"][0]
    assert dossiers.scalar("SELECT count(*) FROM dossiers") == before
