"""An overdue task, as the tasks service announces it, asks the head of the lead unit to explain (and
the assignee, when the task names one); no dossier sanction rule judges it."""

import uuid
from datetime import datetime, timedelta, timezone

from conftest import publish, wait_until

from services.discipline.use_cases.directory import assign_head, upsert_official, upsert_unit
from shared.events.envelope import Event

API = "/discipline/api/v1"
HANOI = timezone(timedelta(hours=7))


def task_overdue(code, *, assignee=None, due=datetime(2026, 11, 13, 17, 0, tzinfo=HANOI)):
    data = {"code": code, "title": "Báo cáo kết quả kiểm tra công vụ tháng 11", "lead_unit": "HN-SNV",
            "due_at": due.isoformat(), "detected_at": (due + timedelta(minutes=1)).isoformat(),
            "assignee": assignee, "document": "01/CT-UBND"}
    return Event(type="task.overdue", source="/kycuong/test/tasks", subject=code, data=data, unit="HN-SNV",
                 id=str(uuid.uuid4())).to_json()


def requests_for(svc, code):
    response = svc.client.get(f"{API}/explanations", query_string={"subject": code},
                              headers=svc.headers(roles=["inspector"]))
    assert response.status_code == 200, response.json
    return response.json["items"]


def test_an_overdue_task_asks_the_head_of_the_lead_unit_and_its_assignee(start_service, memory_broker):
    svc = start_service("discipline")
    uow = svc.runtime.uow
    upsert_unit(uow(), "HN-SNV", "Sở Nội vụ", None, "department")
    upsert_official(uow(), "CB-SNV-GD", "Trần Thị Hạnh", "HN-SNV", "cong_chuc", "Giám đốc", True)
    upsert_official(uow(), "CB-SNV-11", "Vũ Minh Đức", "HN-SNV", "cong_chuc", "Chuyên viên")
    assign_head(uow(), "HN-SNV", "CB-SNV-GD", "2025-07-01")

    publish(memory_broker, task_overdue("NV-202611-AAAAAA"), "task.overdue")
    publish(memory_broker, task_overdue("NV-202611-BBBBBB", assignee="CB-SNV-11"), "task.overdue")

    unassigned = wait_until(lambda: requests_for(svc, "NV-202611-AAAAAA"), message="the head asked")
    assert [(r["role"], r["official"], r["subject_type"]) for r in unassigned] == [("head", "CB-SNV-GD", "task")]
    assert "Nhiệm vụ NV-202611-AAAAAA" in unassigned[0]["reason"] and "Sở Nội vụ" in unassigned[0]["reason"]
    named = wait_until(lambda: len(found := requests_for(svc, "NV-202611-BBBBBB")) == 2 and found)
    assert {(r["role"], r["official"]) for r in named} == {("head", "CB-SNV-GD"), ("official", "CB-SNV-11")}
    # Late tasks are not late dossiers: the dossier rules propose nothing.
    assert svc.scalar("SELECT count(*) FROM sanction_proposals") == 0
    assert svc.scalar("SELECT count(*) FROM outbox WHERE routing_key = 'explanation.requested'") == 3


def test_feedback_left_unanswered_asks_the_head_of_its_unit(start_service, memory_broker):
    svc = start_service("discipline")
    uow = svc.runtime.uow
    upsert_unit(uow(), "HN-SNV", "Sở Nội vụ", None, "department")
    upsert_official(uow(), "CB-SNV-GD", "Trần Thị Hạnh", "HN-SNV", "cong_chuc", "Giám đốc", True)
    assign_head(uow(), "HN-SNV", "CB-SNV-GD", "2025-07-01")
    due = datetime(2026, 11, 13, 17, 0, tzinfo=HANOI)
    data = {"code": "PA-202611-CCCCCC", "unit": "HN-SNV", "stage": "answer", "due_at": due.isoformat(),
            "detected_at": (due + timedelta(minutes=1)).isoformat(), "official": None}
    publish(memory_broker, Event(type="feedback.overdue", source="/kycuong/test/feedback", subject=data["code"],
                                 data=data, unit="HN-SNV").to_json(), "feedback.overdue")
    asked = wait_until(lambda: requests_for(svc, "PA-202611-CCCCCC"), message="the head asked")
    assert [(r["role"], r["official"], r["subject_type"]) for r in asked] == [("head", "CB-SNV-GD", "feedback")]
    assert "chưa được trả lời đúng hạn" in asked[0]["reason"]
