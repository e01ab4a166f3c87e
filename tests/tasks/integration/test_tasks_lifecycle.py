"""Tasks from assignment to completion: directives, progress, extensions, reminders, overdue alerts, the
Monday list, recurring tasks and who may see what."""

import json
import threading
from datetime import datetime, timedelta, timezone

from sqlalchemy import text

from services.tasks import sweeps
from shared.events.catalog import CATALOG

HANOI = timezone(timedelta(hours=7))
BASE = "/tasks/api/v1"
URL = f"{BASE}/tasks"
DIRECTIVE = "01/CT-UBND"


def at(day, hour, minute=0, month=11):
    return datetime(2026, month, day, hour, minute, tzinfo=HANOI)


def office(svc):
    return svc.headers(sub="vp.chanhvanphong", unit="VP-UBND", roles=("office",))


def leader(svc, sub="ct.ubnd"):
    return svc.headers(sub=sub, unit="UBND", roles=("head",))


def officer(svc, unit, role="officer"):
    return svc.headers(sub=f"cb.{unit.lower()}", unit=unit, roles=(role,))


def register_directive(svc, number=DIRECTIVE):
    response = svc.client.post(f"{BASE}/directives", headers=office(svc), json={
        "number_symbol": number, "issued_on": "2026-11-10", "signer": "Chủ tịch UBND thành phố",
        "summary": "Về tăng cường kỷ luật, kỷ cương hành chính"})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def assign(svc, headers=None, **changes):
    data = {"title": "Báo cáo kết quả rà soát hồ sơ quá hạn", "lead_unit": "SO-NV", "co_units": ["SO-TC"],
            "due_at": "2026-11-27T17:00:00+07:00", "document": DIRECTIVE, "required_product": "Báo cáo"}
    data.update(changes)
    response = svc.client.post(URL, json=data, headers=headers or office(svc))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def progress(svc, code, unit, percent, role="officer"):
    return svc.client.post(f"{URL}/{code}/progress", headers=officer(svc, unit, role),
                           json={"percent": percent, "text": f"Đã thực hiện {percent}%", "product": "bao-cao.pdf"})


def events(svc, event_type=None) -> list[dict]:
    with svc.runtime.engine.connect() as conn:
        bodies = [json.loads(row[0]) for row in conn.execute(text("SELECT body FROM outbox ORDER BY id"))]
    return [e for e in bodies if event_type is None or e["type"] == event_type]


def read(svc, code, headers=None):
    return svc.client.get(f"{URL}/{code}", headers=headers or office(svc)).get_json()


def test_tasks_assigned_under_a_registered_directive_are_found_by_its_number(start_service):
    svc = start_service("tasks", workers=False)
    register_directive(svc)
    linked = assign(svc, document=None, directive=DIRECTIVE, assignee="cb.nguyenvana")
    other = assign(svc, document="05/KH-UBND")

    directive = svc.client.get(f"{BASE}/directives/{DIRECTIVE}", headers=officer(svc, "SO-NV")).get_json()
    found = svc.client.get(URL, query_string={"document": DIRECTIVE}, headers=office(svc)).get_json()

    assert linked["directive"] == DIRECTIVE and linked["document"] == DIRECTIVE
    assert other["directive"] is None
    assert directive["signer"] == "Chủ tịch UBND thành phố" and directive["task_count"] == 1
    assert [t["code"] for t in found["items"]] == [linked["code"]]
    assert found["items"][0]["state"] == "not_started"
    (event, _) = events(svc, "task.assigned")
    assert event["data"]["assignee"] == "cb.nguyenvana" and event["data"]["series"] is None
    again = svc.client.post(f"{BASE}/directives", headers=office(svc), json={
        "number_symbol": DIRECTIVE, "issued_on": "2026-11-10", "signer": "Phó Chủ tịch", "summary": "Trùng số"})
    assert again.status_code == 409
    unknown = svc.client.post(URL, headers=office(svc), json={
        "title": "Nhiệm vụ", "lead_unit": "SO-NV", "directive": "99/CT-UBND"})
    assert unknown.status_code == 422 and "directive" in unknown.get_json()["errors"]


def test_tasks_progress_from_lead_and_co_unit_then_completion_on_time(start_service, clock):
    svc = start_service("tasks", workers=False)
    code = assign(svc)["code"]

    clock.set(at(18, 10))
    co = progress(svc, code, "SO-TC", 100)
    lead = progress(svc, code, "SO-NV", 40)
    outsider = progress(svc, code, "SO-XD", 10)

    assert co.status_code == 201 and co.get_json()["state"] == "in_progress"  # a co-unit's 100% is its part only
    assert lead.get_json()["progress_percent"] == 40
    assert outsider.status_code == 403 and "SO-XD" in outsider.get_json()["message"]

    clock.set(at(27, 17, 0))
    done = progress(svc, code, "SO-NV", 100, role="head")
    assert done.status_code == 201 and done.get_json()["state"] == "completed_on_time"
    detail = read(svc, code)
    assert [(r["unit"], r["percent"]) for r in detail["reports"]] == [("SO-TC", 100), ("SO-NV", 40), ("SO-NV", 100)]
    assert detail["completed_at"] == "2026-11-27T17:00:00+07:00"
    (completed,) = events(svc, "task.completed")
    assert completed["data"]["timeliness"] == "on_time" and completed["unit"] == "SO-NV"
    assert [e["data"]["unit"] for e in events(svc, "task.progress_reported")] == ["SO-TC", "SO-NV", "SO-NV"]
    assert progress(svc, code, "SO-NV", 100).status_code == 409


def test_tasks_completion_a_minute_late_is_late(start_service, clock):
    svc = start_service("tasks", workers=False)
    code = assign(svc)["code"]

    clock.set(at(27, 17, 1))
    assert read(svc, code)["state"] == "overdue"
    assert progress(svc, code, "SO-NV", 100).get_json()["state"] == "completed_late"
    assert events(svc, "task.completed")[0]["data"]["timeliness"] == "late"


def test_tasks_an_approved_extension_moves_the_deadline_and_is_not_late(start_service, clock):
    svc = start_service("tasks", workers=False)
    code = assign(svc, headers=leader(svc), lead_unit="UBND", co_units=[])["code"]
    # The assigner is the head of UBND; the lead unit here is UBND itself, so ask as its officer.
    clock.set(at(25, 9))
    asked = svc.client.post(f"{URL}/{code}/extensions", headers=officer(svc, "UBND"), json={
        "requested_due_at": "2026-12-04T17:00:00+07:00", "reason": "Chờ số liệu của các quận, huyện"})
    assert asked.status_code == 201, asked.get_json()
    ext = asked.get_json()
    twice = svc.client.post(f"{URL}/{code}/extensions", headers=officer(svc, "UBND"), json={
        "requested_due_at": "2026-12-11T17:00:00+07:00", "reason": "Lần hai"})
    assert twice.status_code == 409

    stranger = svc.client.post(f"{URL}/{code}/extensions/{ext['id']}/decision",
                               headers=svc.headers(sub="ct.khac", unit="UBND", roles=("head",)),
                               json={"approved": True})
    assert stranger.status_code == 403 and "ct.ubnd" in stranger.get_json()["message"]

    clock.set(at(28, 9))  # the decision may come after the old deadline: the request was in time
    decided = svc.client.post(f"{URL}/{code}/extensions/{ext['id']}/decision", headers=leader(svc),
                              json={"approved": True, "reason": "Đồng ý"})
    assert decided.status_code == 200 and decided.get_json()["status"] == "approved"

    detail = read(svc, code, headers=leader(svc))
    assert detail["due_at"] == "2026-12-04T17:00:00+07:00" and detail["state"] == "not_started"
    assert [(e["previous_due_at"], e["status"]) for e in detail["extensions"]] == \
        [("2026-11-27T17:00:00+07:00", "approved")]
    clock.set(at(3, 10, month=12))
    assert progress(svc, code, "UBND", 100).get_json()["state"] == "completed_on_time"
    (requested,) = events(svc, "task.extension_requested")
    (decided_event,) = events(svc, "task.extension_decided")
    assert requested["data"]["due_at"] == "2026-11-27T17:00:00+07:00"
    assert decided_event["data"] == {"code": code, "lead_unit": "UBND", "approved": True,
                                     "due_at": "2026-12-04T17:00:00+07:00", "reason": "Đồng ý"}


def test_tasks_an_extension_after_the_deadline_is_refused_with_409(start_service, clock):
    svc = start_service("tasks", workers=False)
    code = assign(svc)["code"]
    body = {"requested_due_at": "2026-12-04T17:00:00+07:00", "reason": "Chậm do thiếu số liệu"}

    clock.set(at(27, 17, 1))
    late = svc.client.post(f"{URL}/{code}/extensions", headers=officer(svc, "SO-NV"), json=body)
    co_unit = svc.client.post(f"{URL}/{code}/extensions", headers=officer(svc, "SO-TC"), json=body)

    assert late.status_code == 409 and "deadline in force has passed" in late.get_json()["message"]
    assert co_unit.status_code == 403 and "SO-NV" in co_unit.get_json()["message"]
    assert events(svc, "task.extension_requested") == []


def test_tasks_a_refused_extension_keeps_the_deadline_and_needs_a_reason(start_service, clock):
    svc = start_service("tasks", workers=False)
    code = assign(svc)["code"]
    ext = svc.client.post(f"{URL}/{code}/extensions", headers=officer(svc, "SO-NV"), json={
        "requested_due_at": "2026-12-04T17:00:00+07:00", "reason": "Chờ số liệu"}).get_json()
    url = f"{URL}/{code}/extensions/{ext['id']}/decision"

    assert svc.client.post(url, headers=office(svc), json={"approved": False}).status_code == 422
    refused = svc.client.post(url, headers=office(svc), json={"approved": False, "reason": "Không có căn cứ"})

    assert refused.get_json()["status"] == "refused"
    assert read(svc, code)["due_at"] == "2026-11-27T17:00:00+07:00"
    assert svc.client.post(url, headers=office(svc), json={"approved": True}).status_code == 409


def test_tasks_reminders_fire_once_each_and_again_for_an_extended_deadline(start_service, clock):
    svc = start_service("tasks", workers=False)
    rt = svc.runtime
    # Due Friday 4 December 17:00: 14 working days ahead on Monday 16 November at 09:00.
    code = assign(svc, due_at="2026-12-04T17:00:00+07:00")["code"]
    quiet = assign(svc, due_at="2026-12-04T17:00:00+07:00")["code"]
    progress(svc, quiet, "SO-NV", 100)  # completed tasks are not chased

    def points():
        return [(e["subject"], e["data"]["working_days_before"]) for e in events(svc, "task.due_soon")]

    assert sweeps.sweep_reminders(rt) == 0
    clock.set(at(25, 17))  # 7 working days left
    assert sweeps.sweep_reminders(rt) == 1
    assert sweeps.sweep_reminders(rt) == 0
    clock.set(at(27, 9))
    assert sweeps.sweep_reminders(rt) == 0  # still within the 7-day point
    clock.set(at(1, 17, month=12))  # 3 days left
    sweeps.sweep_reminders(rt)
    clock.set(at(3, 17, month=12))  # 1 day left
    sweeps.sweep_reminders(rt)
    sweeps.sweep_reminders(rt)
    assert points() == [(code, 7), (code, 3), (code, 1)]
    assert events(svc, "task.due_soon")[0]["data"]["due_at"] == "2026-12-04T17:00:00+07:00"

    ext = svc.client.post(f"{URL}/{code}/extensions", headers=officer(svc, "SO-NV"), json={
        "requested_due_at": "2026-12-09T17:00:00+07:00", "reason": "Bổ sung số liệu"}).get_json()
    svc.client.post(f"{URL}/{code}/extensions/{ext['id']}/decision", headers=office(svc),
                    json={"approved": True, "reason": "Đồng ý"})
    sweeps.sweep_reminders(rt)  # 4 working days before the new deadline
    assert points()[-1] == (code, 7)
    assert events(svc, "task.due_soon")[-1]["data"]["due_at"] == "2026-12-09T17:00:00+07:00"


def test_tasks_overdue_is_alerted_once_per_deadline(start_service, clock):
    svc = start_service("tasks", workers=False)
    rt = svc.runtime
    late = assign(svc, due_at="2026-11-20T17:00:00+07:00", assignee="cb.a")["code"]
    done = assign(svc, due_at="2026-11-20T17:00:00+07:00")["code"]
    progress(svc, done, "SO-NV", 100)
    assign(svc, due_at="2026-11-30T17:00:00+07:00")

    clock.set(at(20, 17, 0))
    assert sweeps.sweep_overdue(rt) == 0  # at the deadline minute it is not late yet
    clock.set(at(20, 17, 1))
    assert sweeps.sweep_overdue(rt) == 1
    clock.advance(days=2)
    assert sweeps.sweep_overdue(rt) == 0

    (overdue,) = events(svc, "task.overdue")
    assert overdue["subject"] == late and overdue["unit"] == "SO-NV"
    assert overdue["data"]["due_at"] == "2026-11-20T17:00:00+07:00"
    assert overdue["data"]["assignee"] == "cb.a" and overdue["data"]["document"] == DIRECTIVE
    assert overdue["data"]["detected_at"] == "2026-11-20T17:01:00+07:00"
    assert svc.scalar("SELECT count(*) FROM task_alerts WHERE kind = 'overdue'") == 1
    assert read(svc, late)["state"] == "overdue"


def test_tasks_the_monday_list_is_compiled_once_per_leader_and_week(start_service, clock):
    svc = start_service("tasks", workers=False)
    rt = svc.runtime
    mine_late = assign(svc, headers=leader(svc), lead_unit="UBND", co_units=[],
                       due_at="2026-11-20T17:00:00+07:00")["code"]
    mine_reported = assign(svc, headers=leader(svc), lead_unit="UBND", co_units=[],
                           due_at="2026-11-26T17:00:00+07:00")["code"]
    assign(svc, headers=leader(svc), lead_unit="UBND", co_units=[], due_at="2026-12-10T17:00:00+07:00")
    office_due = assign(svc, due_at="2026-11-27T17:00:00+07:00")["code"]

    clock.set(at(20, 10))
    progress(svc, mine_reported, "UBND", 30)
    clock.set(at(21, 10))  # Saturday: no list
    assert sweeps.sweep_monday_digest(rt) == 0
    clock.set(at(23, 7))  # Monday
    assert sweeps.sweep_monday_digest(rt) == 2
    assert sweeps.sweep_monday_digest(rt) == 0

    mine = svc.client.get(f"{BASE}/digests", query_string={"week": "2026-11-23"}, headers=leader(svc)).get_json()
    everyone = svc.client.get(f"{BASE}/digests", query_string={"week": "2026-11-23"}, headers=office(svc)).get_json()
    assert [d["leader"] for d in mine["items"]] == ["ct.ubnd"]
    assert [t["code"] for t in mine["items"][0]["tasks"]] == [mine_late]
    assert mine["items"][0]["tasks"][0]["state"] == "overdue"
    assert {d["leader"]: [t["code"] for t in d["tasks"]] for d in everyone["items"]} == {
        "ct.ubnd": [mine_late], "vp.chanhvanphong": [office_due]}


def test_tasks_who_sees_what(start_service):
    svc = start_service("tasks", workers=False)
    by_leader = assign(svc, headers=leader(svc), lead_unit="UBND", co_units=["SO-TC"])["code"]
    by_office = assign(svc, lead_unit="SO-NV", co_units=["SO-TC"])["code"]
    other = assign(svc, lead_unit="SO-XD", co_units=[])["code"]

    def listed(headers, **query):
        response = svc.client.get(URL, query_string=query, headers=headers)
        return response.status_code, sorted(t["code"] for t in response.get_json().get("items", []))

    assert listed(officer(svc, "SO-TC")) == (200, sorted([by_leader, by_office]))
    assert listed(officer(svc, "SO-XD")) == (200, [other])
    assert listed(leader(svc), assigned_by="ct.ubnd") == (200, [by_leader])
    assert listed(office(svc), assigned_by="ct.ubnd") == (200, [by_leader])
    assert listed(officer(svc, "SO-XD"), assigned_by="ct.ubnd")[0] == 403
    assert listed(officer(svc, "SO-XD"), unit="SO-NV")[0] == 403
    assert len(listed(office(svc))[1]) == 3
    assert svc.client.get(f"{URL}/{by_leader}", headers=leader(svc)).status_code == 200
    assert svc.client.get(f"{URL}/{other}", headers=leader(svc)).status_code == 403
    assert svc.client.get(f"{URL}/{other}", headers=svc.headers(sub="tt", roles=("inspector",))).status_code == 200
    summary = svc.client.get(f"{BASE}/leaders/ct.ubnd/summary", headers=officer(svc, "SO-XD"))
    assert summary.status_code == 403 and "ct.ubnd" in summary.get_json()["message"]


def test_tasks_state_filter_and_a_leaders_completion_rates(start_service, clock):
    svc = start_service("tasks", workers=False)
    on_time = assign(svc, headers=leader(svc), lead_unit="UBND", co_units=[],
                     due_at="2026-11-20T17:00:00+07:00")["code"]
    late = assign(svc, headers=leader(svc), lead_unit="UBND", co_units=[],
                  due_at="2026-11-20T17:00:00+07:00")["code"]
    overdue = assign(svc, headers=leader(svc), lead_unit="UBND", co_units=[],
                     due_at="2026-11-20T17:00:00+07:00")["code"]
    assign(svc, headers=leader(svc), lead_unit="UBND", co_units=[], document="05/KH-UBND",
           due_at="2026-12-20T17:00:00+07:00")
    progress(svc, on_time, "UBND", 100)
    clock.set(at(23, 9))
    progress(svc, late, "UBND", 100)

    def by_state(state):
        items = svc.client.get(URL, query_string={"state": state}, headers=office(svc)).get_json()["items"]
        return [t["code"] for t in items]

    assert by_state("completed_on_time") == [on_time]
    assert by_state("completed_late") == [late]
    assert by_state("overdue") == [overdue]
    assert len(by_state("not_started")) == 1 and by_state("in_progress") == []
    summary = svc.client.get(f"{BASE}/leaders/ct.ubnd/summary", headers=leader(svc)).get_json()
    first = summary["directives"][0]
    assert (first["document"], first["total"], first["completed_on_time"], first["completed_late"],
            first["overdue"]) == (DIRECTIVE, 3, 1, 1, 1)
    # Rates are JSON numbers, as the OpenAPI document says.
    assert first["completion_rate"] == 66.7 and first["on_time_rate"] == 33.3
    assert summary["overall"]["total"] == 4
    only = svc.client.get(f"{BASE}/leaders/ct.ubnd/summary", query_string={"directive": "05/KH-UBND"},
                          headers=leader(svc)).get_json()
    assert only["overall"]["total"] == 1


def test_tasks_a_monthly_task_creates_its_occurrences_ahead(start_service, clock):
    svc = start_service("tasks", workers=False)
    rt = svc.runtime
    first = assign(svc, due_at=None, title="Báo cáo công tác cải cách hành chính hằng tháng",
                   recurrence={"kind": "monthly", "day_of_month": 25})

    rows = svc.client.get(URL, query_string={"unit": "SO-NV"}, headers=office(svc)).get_json()["items"]
    assert [t["due_at"] for t in rows] == ["2026-11-25T17:00:00+07:00", "2026-12-25T17:00:00+07:00",
                                           "2027-01-25T17:00:00+07:00"]
    assert first["due_at"] == "2026-11-25T17:00:00+07:00" and first["series"]
    assert {e["data"]["series"] for e in events(svc, "task.assigned")} == {first["series"]}

    assert sweeps.sweep_occurrences(rt) == 0
    clock.set(at(25, 17, 1))
    assert sweeps.sweep_occurrences(rt) == 1
    assert sweeps.sweep_occurrences(rt) == 0
    assert svc.scalar("SELECT max(occurrence_on) FROM tasks") == "2027-02-25"
    both = svc.client.post(URL, headers=office(svc), json={
        "title": "Sai", "lead_unit": "SO-NV", "due_at": "2026-12-01T17:00:00+07:00",
        "recurrence": {"kind": "weekly", "weekday": 4}})
    assert both.status_code == 422 and "due_at" in both.get_json()["errors"]


def test_tasks_events_carry_exactly_the_catalogs_fields(start_service, clock):
    svc = start_service("tasks", workers=False)
    rt = svc.runtime
    code = assign(svc, due_at="2026-11-20T17:00:00+07:00")["code"]
    progress(svc, code, "SO-TC", 50)
    ext = svc.client.post(f"{URL}/{code}/extensions", headers=officer(svc, "SO-NV"), json={
        "requested_due_at": "2026-11-24T17:00:00+07:00", "reason": "Chờ số liệu"}).get_json()
    svc.client.post(f"{URL}/{code}/extensions/{ext['id']}/decision", headers=office(svc),
                    json={"approved": False, "reason": "Không đồng ý"})
    sweeps.sweep_reminders(rt)
    clock.set(at(23, 9))
    sweeps.sweep_overdue(rt)
    progress(svc, code, "SO-NV", 100)

    seen = events(svc)
    assert {e["type"] for e in seen} == {"task.assigned", "task.progress_reported", "task.extension_requested",
                                         "task.extension_decided", "task.due_soon", "task.overdue",
                                         "task.completed"}
    for event in seen:
        assert set(event["data"]) == set(CATALOG[event["type"]].schema().fields), event["type"]
        assert event["unit"] == "SO-NV"


def test_tasks_two_sweepers_on_postgresql_remind_and_alert_each_task_once(start_service, clock, pg_database,
                                                                          monkeypatch):
    monkeypatch.setattr(sweeps, "BATCH", 10)  # many small batches, so the two sweepers interleave
    svc = start_service("tasks", workers=False, database_url=pg_database("tasks"))
    rt = svc.runtime
    soon = {assign(svc, due_at="2026-11-18T17:00:00+07:00", title=f"Nhiệm vụ số {i}")["code"] for i in range(60)}
    for i in range(5):
        assign(svc, due_at="2026-12-30T17:00:00+07:00", title=f"Nhiệm vụ xa {i}")

    def race(sweep):
        barrier = threading.Barrier(2)
        counts, errors = [], []

        def run():
            try:
                barrier.wait()
                counts.append(sweep(rt))
            except BaseException as exc:  # surfaced below: a thread's failure must fail the test
                errors.append(exc)

        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert not errors, errors
        return sum(counts)

    assert race(sweeps.sweep_reminders) == 60  # 2.x working days left: the 3-day point
    assert race(sweeps.sweep_reminders) == 0
    assert {e["subject"] for e in events(svc, "task.due_soon")} == soon
    assert len(events(svc, "task.due_soon")) == 60

    clock.set(at(19, 9))
    assert race(sweeps.sweep_overdue) == 60
    assert race(sweeps.sweep_overdue) == 0
    assert sorted(e["subject"] for e in events(svc, "task.overdue")) == sorted(soon)
    assert svc.scalar("SELECT count(*) FROM task_alerts") == 120
