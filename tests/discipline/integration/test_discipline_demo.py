"""The demo's discipline data shows the category rules and the rule sets' sources: a viên chức judged by
Decree 112/2020 as amended while the Decree 234/2026 set is unverified, ward chairmen as cán bộ, and a
decision that takes effect after the day it was signed."""

from datetime import date

from kycuong.demo import discipline as demo_discipline
from kycuong.demo.people import INSPECTED_OFFICIAL, PUBLIC_EMPLOYEE, load_directory

API = "/discipline/api/v1"


class _Demo:
    def __init__(self, runtime):
        self.uow = runtime.uow


def test_the_demo_shows_a_public_employee_a_cadre_and_a_decision_effective_after_signing(start_service):
    svc = start_service("discipline")
    load_directory(_Demo(svc.runtime))
    assert demo_discipline.load_inspection_to_decision(svc.runtime) == 1
    assert demo_discipline.load_inspection_to_decision(svc.runtime) == 0  # a second run adds nothing

    def get(path, **query):
        response = svc.client.get(f"{API}{path}", query_string=query, headers=svc.headers())
        assert response.status_code == 200, response.json
        return response.json

    categories = {o["code"]: o["category"] for o in get("/officials", unit="W00073", page_size=100)["items"]}
    assert categories["CB-W073-01"] == "can_bo" and categories[PUBLIC_EMPLOYEE[0]] == "vien_chuc"
    found, = get("/violations", official=PUBLIC_EMPLOYEE[0])["items"]
    assert found["rule_set"] == "ND112-2020/local-0" and found["rule_set_verified"] is True
    unverified = {s["version"]: s for s in get("/rule-sets")}["ND234-2026/local-1"]
    assert unverified["verified"] is False and unverified["in_force"] is False
    decision, = get("/decisions", official=INSPECTED_OFFICIAL)["items"]
    assert date.fromisoformat(decision["effective_on"]) > date.fromisoformat(decision["decided_on"])
