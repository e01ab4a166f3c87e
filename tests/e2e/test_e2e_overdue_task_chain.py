"""An overdue task reaches discipline and reporting by itself, across processes on RabbitMQ and
PostgreSQL: the tasks service's sweep sees the deadline pass → `task.overdue` → the head of the lead
unit is asked to explain → the unit's scorecard counts an overdue task."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from conftest import wait_until
from e2e_topology import running_topology

HANOI = timezone(timedelta(hours=7))
pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def topology(tmp_path_factory):
    yield from running_topology(tmp_path_factory)


def test_an_overdue_task_is_explained_by_the_head_and_counted_in_the_scorecard(topology):
    admin = topology.auth(roles=("admin",))
    unit, head = "HN-E2E-SNV", "CB-E2E-SNV-GD"
    assert topology.post("discipline", "/discipline/api/v1/units", headers=admin,
                         json={"code": unit, "name": "Sở Nội vụ (thử nghiệm)", "parent": None,
                               "kind": "department"}).status_code == 200
    assert topology.post("discipline", "/discipline/api/v1/officials", headers=admin,
                         json={"code": head, "name": "Trần Thị Hạnh", "unit": unit, "position": "Giám đốc",
                               "category": "cong_chuc", "is_leader": True}).status_code == 200
    assert topology.post("discipline", f"/discipline/api/v1/units/{unit}/heads", headers=admin,
                         json={"official": head, "since": "2024-01-01"}).status_code == 200

    # Due in three seconds: the tasks worker's sweep sees it pass without anyone pressing a button.
    due = datetime.now(HANOI) + timedelta(seconds=3)
    created = topology.post("tasks", "/tasks/api/v1/tasks", headers=topology.auth(roles=("office",)),
                            json={"title": "Báo cáo kết quả kiểm tra công vụ tháng", "lead_unit": unit,
                                  "due_at": due.isoformat(), "document": "01/CT-UBND"})
    assert created.status_code == 201, created.text
    code = created.json()["code"]

    def explanations():
        r = topology.get("discipline", f"/discipline/api/v1/explanations?subject={code}",
                         headers=topology.auth(roles=("inspector",)))
        return r.status_code == 200 and r.json()["items"]

    asked = wait_until(explanations, timeout=60, interval=0.5, message="the head of the lead unit to be asked")
    assert [(i["role"], i["official"], i["subject_type"]) for i in asked] == [("head", head, "task")]

    period = datetime.now(HANOI).strftime("%Y-%m")

    def scorecard():
        r = topology.get("reporting", f"/reporting/api/v1/units/{unit}/scorecard?period={period}")
        return r.status_code == 200 and r.json()["tasks"]["overdue_open"] == 1 and r.json()

    card = wait_until(scorecard, timeout=60, interval=0.5, message="the scorecard to count the overdue task")
    assert card["tasks"]["assigned"] == 1
    state = topology.get("tasks", f"/tasks/api/v1/tasks/{code}", headers=admin).json()["state"]
    assert state == "overdue"
