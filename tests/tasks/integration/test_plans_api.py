"""Officials' work plans over HTTP: an official plans a week, a month or a quarter and submits it to the
head of the unit, marks items done, assesses the plan at the end of the period; the head reviews it.

Legal basis: Plan 69/KH-UBND of Hà Nội (2017) II.3.c (every official builds a work plan for the week,
month, quarter and reports it to the head of the unit); the Hà Nội Chairman's directive of 2022 §1 (weekly
work schedules, monthly self-evaluation); Decree 90/2020/ND-CP as amended by Decree 48/2023/ND-CP (levels).
The test clock starts on Monday 16 November 2026, 09:00 in Hà Nội: ISO week 2026-W47.
"""

import json
import threading
from datetime import datetime, timedelta, timezone

from sqlalchemy import text

HANOI = timezone(timedelta(hours=7))
BASE = "/tasks/api/v1"
URL = f"{BASE}/plans"
WEEK = "2026-W47"


def at(day, hour, minute=0, month=11):
    return datetime(2026, month, day, hour, minute, tzinfo=HANOI)


def officer(svc, sub="cb.sxd.11", unit="HN-SXD"):
    return svc.headers(sub=sub, unit=unit, roles=("officer",))


def head(svc, sub="cb.sxd.01", unit="HN-SXD"):
    return svc.headers(sub=sub, unit=unit, roles=("head",))


def weekly_items():
    return [
        {"title": "Thẩm định hồ sơ cấp phép xây dựng tồn tuần trước", "planned_on": "2026-11-17"},
        {"title": "Dự thảo báo cáo giải trình hồ sơ quá hạn", "planned_on": "2026-11-18"},
        {"title": "Kiểm tra hiện trạng công trình tại phường Hoàn Kiếm", "planned_on": "2026-11-19"},
    ]


def write(svc, headers=None, period=WEEK, items=None):
    response = svc.client.post(URL, headers=headers or officer(svc),
                               json={"period": period, "items": items or weekly_items()})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def submit(svc, code, headers=None):
    response = svc.client.post(f"{URL}/{code}/submission", headers=headers or officer(svc))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def done(svc, code, position, day, headers=None):
    return svc.client.post(f"{URL}/{code}/items/{position}/done", headers=headers or officer(svc),
                           json={"done_on": day})


def assess(svc, code, level="good", headers=None):
    return svc.client.post(f"{URL}/{code}/self-assessment", headers=headers or officer(svc),
                           json={"level": level, "comment": "Hoàn thành các việc chính; một việc chậm một ngày"})


def events(svc, event_type=None) -> list[dict]:
    with svc.runtime.engine.connect() as conn:
        bodies = [json.loads(row[0]) for row in conn.execute(text("SELECT body FROM outbox ORDER BY id"))]
    return [e for e in bodies if event_type is None or e["type"] == event_type]


def stored(svc) -> tuple[int, int, int]:
    return tuple(svc.scalar(f"SELECT count(*) FROM {table}") for table in ("work_plans", "plan_items", "outbox"))


def test_plans_an_official_submits_a_weekly_plan_and_the_unit_is_told(start_service):
    """Plan 69/KH-UBND II.3.c: the plan is reported to the head of the unit; `plan.submitted` says so."""
    svc = start_service("tasks", workers=False)

    draft = write(svc)
    assert draft["status"] == "draft" and draft["period_kind"] == "week" and draft["period"] == WEEK
    assert (draft["first_day"], draft["last_day"]) == ("2026-11-16", "2026-11-22")
    assert [i["position"] for i in draft["items"]] == [1, 2, 3]
    assert draft["official"] == "cb.sxd.11" and draft["unit"] == "HN-SXD"
    assert events(svc) == []  # a draft is the official's own

    submitted = submit(svc, draft["code"])

    assert submitted["status"] == "submitted"
    assert submitted["submitted_at"] == "2026-11-16T09:00:00+07:00"
    (event,) = events(svc)
    assert event["type"] == "plan.submitted" and event["subject"] == draft["code"] and event["unit"] == "HN-SXD"
    assert event["data"] == {"code": draft["code"], "official": "cb.sxd.11", "unit": "HN-SXD", "period_kind": "week",
                             "period": WEEK, "items": 3, "submitted_at": "2026-11-16T09:00:00+07:00"}
    again = svc.client.post(f"{URL}/{draft['code']}/submission", headers=officer(svc))
    assert again.status_code == 409
    assert len(events(svc)) == 1


def test_plans_month_and_quarter_plans_and_one_plan_per_official_and_period(start_service):
    svc = start_service("tasks", workers=False)
    month = write(svc, period="2026-11", items=[{"title": "Báo cáo tháng", "planned_on": "2026-11-20"}])
    quarter = write(svc, period="2026-q4", items=[{"title": "Sơ kết quý IV", "planned_on": "2026-12-18"}])
    write(svc)

    assert (month["period_kind"], month["last_day"]) == ("month", "2026-11-30")
    assert (quarter["period_kind"], quarter["period"], quarter["first_day"]) == ("quarter", "2026-Q4", "2026-10-01")
    twice = svc.client.post(URL, headers=officer(svc), json={"period": "2026-11", "items": weekly_items()[:1]})
    assert twice.status_code == 409
    assert month["code"] in twice.get_json()["message"] and "period" in twice.get_json()["errors"]
    # Another official of the unit has a plan of their own for the same month.
    write(svc, headers=officer(svc, "cb.sxd.12"), period="2026-11",
          items=[{"title": "Tiếp nhận hồ sơ", "planned_on": "2026-11-20"}])


def test_plans_bad_input_is_422_naming_the_field_and_nothing_changes(start_service):
    svc = start_service("tasks", workers=False)
    cases = [
        ({"period": "2026-13", "items": weekly_items()}, "period"),
        ({"period": "2025-W53", "items": weekly_items()}, "period"),  # 2025 has 52 ISO weeks
        ({"period": WEEK, "items": []}, "items"),
        ({"period": WEEK}, "items"),
        ({"period": WEEK, "items": [{"title": "Báo cáo tuần", "planned_on": "2026-11-23"}]}, "items"),
        ({"period": WEEK, "items": [{"title": "Báo cáo tuần", "planned_on": "20/11/2026"}]}, "items"),
        ({"period": WEEK, "items": [{"title": "", "planned_on": "2026-11-20"}]}, "items"),
        ({"period": WEEK, "items": [{"title": "Báo cáo", "planned_on": "2026-11-20", "task": "NV-202611-XXXXXX"}]},
         "items"),
    ]
    for body, field in cases:
        response = svc.client.post(URL, headers=officer(svc), json=body)
        assert response.status_code == 422, (body, response.get_json())
        assert field in response.get_json()["errors"], (body, response.get_json())
    outside = svc.client.post(URL, headers=officer(svc), json={"period": WEEK, "items": [
        weekly_items()[0], {"title": "Báo cáo tuần", "planned_on": "2026-11-23"}]}).get_json()
    assert "planned_on" in outside["errors"]["items"]["1"]
    assert stored(svc) == (0, 0, 0)


def test_plans_an_item_may_serve_a_task_of_the_officials_unit(start_service):
    svc = start_service("tasks", workers=False)
    office = svc.headers(sub="vp.chanhvanphong", unit="VP-UBND", roles=("office",))
    ours = svc.client.post(f"{BASE}/tasks", headers=office, json={
        "title": "Báo cáo hồ sơ cấp phép xây dựng quá hạn", "lead_unit": "HN-SXD",
        "due_at": "2026-11-27T17:00:00+07:00"}).get_json()["code"]
    theirs = svc.client.post(f"{BASE}/tasks", headers=office, json={
        "title": "Rà soát quy trình nội bộ", "lead_unit": "HN-STP",
        "due_at": "2026-11-27T17:00:00+07:00"}).get_json()["code"]

    plan = write(svc, items=[{"title": "Tổng hợp số liệu hồ sơ quá hạn", "planned_on": "2026-11-18", "task": ours}])
    refused = svc.client.post(URL, headers=officer(svc), json={"period": "2026-11", "items": [
        {"title": "Rà soát quy trình", "planned_on": "2026-11-18", "task": theirs}]})

    assert plan["items"][0]["task"] == ours
    assert refused.status_code == 422 and "task" in refused.get_json()["errors"]["items"]["0"]


def test_plans_items_are_added_to_a_draft_only(start_service):
    """Once submitted, the plan is what the head was told: it does not change behind their back."""
    svc = start_service("tasks", workers=False)
    plan = write(svc)
    more = svc.client.post(f"{URL}/{plan['code']}/items", headers=officer(svc),
                           json={"items": [{"title": "Họp giao ban tuần", "planned_on": "2026-11-20"}]})
    assert more.status_code == 201 and [i["position"] for i in more.get_json()["items"]] == [1, 2, 3, 4]
    submit(svc, plan["code"])

    late = svc.client.post(f"{URL}/{plan['code']}/items", headers=officer(svc),
                           json={"items": [{"title": "Việc phát sinh", "planned_on": "2026-11-20"}]})

    assert late.status_code == 409
    assert events(svc, "plan.submitted")[0]["data"]["items"] == 4


def test_plans_a_plan_is_written_and_submitted_before_its_period_ends(start_service, clock):
    """Plan 69/KH-UBND II.3.c: a plan says what will be done; written after the period it would only
    record what was."""
    svc = start_service("tasks", workers=False)
    plan = write(svc)
    clock.set(at(23, 8))  # the next Monday

    response = svc.client.post(f"{URL}/{plan['code']}/submission", headers=officer(svc))

    assert response.status_code == 409 and "2026-11-22" in response.get_json()["message"]
    late = svc.client.post(URL, headers=officer(svc, "cb.sxd.12"), json={"period": WEEK, "items": weekly_items()})
    assert late.status_code == 409 and "period" in late.get_json()["errors"]
    assert events(svc) == []
    assert stored(svc) == (1, 3, 0)


def test_plans_done_items_are_counted_at_the_self_assessment_from_the_last_working_day(start_service, clock):
    """Decree 90/2020/ND-CP (amended by Decree 48/2023/ND-CP): the official proposes a level at the end of
    the period; the counts (done, done by the planned day) come from the items, not from the official."""
    svc = start_service("tasks", workers=False)
    plan = write(svc)
    assert done(svc, plan["code"], 1, "2026-11-17").status_code == 409  # not submitted yet
    submit(svc, plan["code"])
    clock.set(at(19, 16))
    assert done(svc, plan["code"], 1, "2026-11-17").status_code == 200  # on its day
    assert done(svc, plan["code"], 2, "2026-11-19").status_code == 200  # a day late
    future = done(svc, plan["code"], 3, "2026-11-20")
    assert future.status_code == 422 and "done_on" in future.get_json()["errors"]
    assert done(svc, plan["code"], 3, "2026-11-13").status_code == 422  # before the week
    assert done(svc, plan["code"], 9, "2026-11-19").status_code == 404

    too_early = assess(svc, plan["code"])
    assert too_early.status_code == 409 and "2026-11-20" in too_early.get_json()["message"]
    assert events(svc, "plan.self_assessed") == []

    clock.set(at(20, 15))  # Friday, the last working day of the week
    assessed = assess(svc, plan["code"], level="good")

    assert assessed.status_code == 200, assessed.get_json()
    body = assessed.get_json()
    assert (body["status"], body["item_count"], body["done"], body["done_on_time"]) == ("self_assessed", 3, 2, 1)
    assert body["level"] == "good" and body["assessed_at"] == "2026-11-20T15:00:00+07:00"
    (event,) = events(svc, "plan.self_assessed")
    assert event["data"] == {"code": plan["code"], "official": "cb.sxd.11", "unit": "HN-SXD", "period_kind": "week",
                             "period": WEEK, "items": 3, "done": 2, "done_on_time": 1, "level": "good",
                             "assessed_at": "2026-11-20T15:00:00+07:00"}
    assert assess(svc, plan["code"]).status_code == 409
    assert done(svc, plan["code"], 3, "2026-11-20").status_code == 409  # closed once assessed
    assert len(events(svc, "plan.self_assessed")) == 1


def test_plans_an_unknown_level_is_422(start_service, clock):
    svc = start_service("tasks", workers=False)
    plan = write(svc)
    submit(svc, plan["code"])
    clock.set(at(20, 15))
    for body in ({"level": "average", "comment": "Tự nhận xét"}, {"level": "good"}):
        response = svc.client.post(f"{URL}/{plan['code']}/self-assessment", headers=officer(svc), json=body)
        assert response.status_code == 422
    assert events(svc, "plan.self_assessed") == []


def test_plans_the_head_of_the_unit_reviews_the_self_assessment(start_service, clock):
    """Plan 69/KH-UBND II.3.c: the head of the unit manages, follows and supervises the plans."""
    svc = start_service("tasks", workers=False)
    plan = write(svc)
    submit(svc, plan["code"])
    url = f"{URL}/{plan['code']}/review"
    assert svc.client.post(url, headers=head(svc), json={"agreed": True}).status_code == 409  # not assessed
    clock.set(at(20, 15))
    assert assess(svc, plan["code"], level="excellent").status_code == 200

    assert svc.client.post(url, headers=officer(svc, "cb.sxd.12"), json={"agreed": True}).status_code == 403
    assert svc.client.post(url, headers=head(svc, "cb.stp.01", "HN-STP"), json={"agreed": True}).status_code == 403
    silent = svc.client.post(url, headers=head(svc), json={"agreed": False})
    assert silent.status_code == 422 and "note" in silent.get_json()["errors"]
    reviewed = svc.client.post(url, headers=head(svc), json={
        "agreed": False, "note": "Một việc chậm tiến độ: đề nghị xếp mức hoàn thành tốt"})

    assert reviewed.status_code == 200
    body = reviewed.get_json()
    assert (body["status"], body["reviewed_by"], body["review_agreed"]) == ("reviewed", "cb.sxd.01", False)
    assert body["level"] == "excellent"  # the official's proposal stays as proposed
    assert svc.client.post(url, headers=head(svc), json={"agreed": True}).status_code == 409


def test_plans_a_head_does_not_review_their_own_plan(start_service, clock):
    svc = start_service("tasks", workers=False)
    plan = write(svc, headers=head(svc), period="2026-Q4",
                 items=[{"title": "Chỉ đạo giải quyết hồ sơ tồn", "planned_on": "2026-11-30"}])
    submit(svc, plan["code"], headers=head(svc))
    clock.set(at(31, 10, month=12))
    assert assess(svc, plan["code"], headers=head(svc)).status_code == 200

    own = svc.client.post(f"{URL}/{plan['code']}/review", headers=head(svc), json={"agreed": True})

    assert own.status_code == 403 and "official" in own.get_json()["errors"]


def test_plans_who_sees_and_changes_what(start_service):
    """An official writes only their own plan; the head sees the unit's plans; inspectors see all."""
    svc = start_service("tasks", workers=False)
    mine = write(svc)
    write(svc, headers=officer(svc, "cb.sxd.12"))
    write(svc, headers=officer(svc, "cb.stp.11", "HN-STP"))
    code = mine["code"]

    assert svc.client.get(f"{URL}/{code}", headers=officer(svc, "cb.sxd.12")).status_code == 403
    assert svc.client.get(f"{URL}/{code}", headers=head(svc, "cb.stp.01", "HN-STP")).status_code == 403
    assert svc.client.get(f"{URL}/{code}", headers=head(svc)).status_code == 200
    inspector = svc.headers(sub="cb.snv.21", unit="HN-SNV", roles=("inspector",))
    assert svc.client.get(f"{URL}/{code}", headers=inspector).status_code == 200
    assert svc.client.post(f"{URL}/{code}/submission", headers=officer(svc, "cb.sxd.12")).status_code == 403
    assert svc.client.post(f"{URL}/{code}/submission", headers=head(svc)).status_code == 403  # not theirs
    assert svc.client.post(URL, headers=inspector, json={"period": WEEK, "items": weekly_items()}).status_code == 403
    assert svc.client.get(f"{URL}/KH-202611-ZZZZZZ", headers=head(svc)).status_code == 404

    own = svc.client.get(URL, headers=officer(svc)).get_json()
    assert [p["official"] for p in own["items"]] == ["cb.sxd.11"]
    assert svc.client.get(URL, headers=officer(svc), query_string={"official": "cb.sxd.12"}).status_code == 403
    moved = svc.client.get(URL, headers=officer(svc, "cb.sxd.11", "HN-STP")).get_json()  # now in another unit
    assert [p["code"] for p in moved["items"]] == [code]
    unit = svc.client.get(URL, headers=head(svc)).get_json()
    assert sorted(p["official"] for p in unit["items"]) == ["cb.sxd.11", "cb.sxd.12"]
    assert svc.client.get(URL, headers=head(svc), query_string={"unit": "HN-STP"}).status_code == 403
    everyone = svc.client.get(URL, headers=inspector).get_json()
    assert everyone["total"] == 3


def test_plans_the_list_filters_by_period_and_status(start_service):
    svc = start_service("tasks", workers=False)
    week = write(svc)
    write(svc, period="2026-11", items=[{"title": "Báo cáo tháng", "planned_on": "2026-11-20"}])
    submit(svc, week["code"])

    by_period = svc.client.get(URL, headers=head(svc), query_string={"period": WEEK}).get_json()
    by_status = svc.client.get(URL, headers=head(svc), query_string={"status": "draft"}).get_json()
    bad = svc.client.get(URL, headers=head(svc), query_string={"period": "tuần 47"})

    assert [p["code"] for p in by_period["items"]] == [week["code"]]
    assert [p["period"] for p in by_status["items"]] == ["2026-11"]
    assert by_period["items"][0]["items"][0]["title"] == weekly_items()[0]["title"]
    assert bad.status_code == 422 and "query.period" in bad.get_json()["errors"]


def test_plans_on_postgresql_concurrent_requests_make_one_plan_per_official_and_period(start_service, clock,
                                                                                       pg_database):
    """The unique (official, period) key decides between requests that both found no plan yet."""
    svc = start_service("tasks", workers=False, database_url=pg_database("tasks"))
    barrier = threading.Barrier(4)
    answers = []

    def post():
        client = svc.app.test_client()
        barrier.wait()
        response = client.post(URL, headers=officer(svc), json={"period": WEEK, "items": weekly_items()})
        answers.append(response.status_code)

    threads = [threading.Thread(target=post) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(answers) == [201, 409, 409, 409]
    assert stored(svc) == (1, 3, 0)
    (plan,) = svc.client.get(URL, headers=officer(svc)).get_json()["items"]
    submit(svc, plan["code"])
    clock.set(at(20, 16))
    assert done(svc, plan["code"], 1, "2026-11-17").status_code == 200
    assert assess(svc, plan["code"]).status_code == 200
    reviewed = svc.client.post(f"{URL}/{plan['code']}/review", headers=head(svc), json={"agreed": True})
    assert reviewed.status_code == 200 and reviewed.get_json()["status"] == "reviewed"
    assert [e["type"] for e in events(svc)] == ["plan.submitted", "plan.self_assessed"]
    assert events(svc)[1]["data"]["done"] == 1
