"""From any figure of a scorecard to the facts behind it: which dossiers were late, at which step, by
whom, who was asked to explain and whether they did; the tasks, feedback and sanctions behind the rest.

The stream is test_reporting_rebuild.lifecycle_stream (November 2026, clock at 16/11 09:00).
"""

from test_reporting_rebuild import (  # noqa: F401  (the fixture stops the workers after each test)
    _workers_stopped_after_each_test,
    get,
    lifecycle_stream,
    processed,
    send,
)


def fed(start_service):
    service = start_service("reporting")
    events = lifecycle_stream()
    send(events)
    processed(service, len(events))
    return service


def test_reporting_a_late_dossier_names_the_step_the_official_and_who_explained(start_service):
    body = get(fed(start_service), "/units/PBD/scorecard/late?period=2026-11")
    assert body["total"] == 1 and body["figure"] == "late" and "trễ hạn" in body["vi"]
    (d3,) = body["items"]
    assert (d3["code"], d3["timeliness"], d3["late_reason"], d3["step"], d3["official"], d3["responsible_unit"]) == (
        "D3", "late", "overran", "appraise", "CB-017", "PBD")
    assert d3["completed_at"] == "2026-11-12T10:00:00+07:00"
    # The control sheet: appraisal by CB-017 took 5 working days of a 2-day budget.
    assert [(s["step"], s["official"], s["on_time"], s["used_days"], s["budget_days"]) for s in d3["steps"]] == [
        ("receive", "CB-001", True, 0.25, 0.25), ("appraise", "CB-017", False, 5, 2)]
    # The official explained on time; the head did not explain by the deadline.
    assert [(e["code"], e["official"], e["role"], e["status"]) for e in d3["explanations"]] == [
        ("GT-1", "CB-017", "official", "submitted"), ("GT-2", "LD-PBD", "head", "missed")]


def test_reporting_overdue_open_dossiers_name_the_step_and_official_at_the_deadline(start_service):
    body = get(fed(start_service), "/units/PBD/scorecard/overdue_open?period=2026-11")
    items = {item["code"]: item for item in body["items"]}
    assert set(items) == {"D4", "D6"}
    assert (items["D4"]["step"], items["D4"]["official"]) == ("appraise", "CB-017")
    assert [(e["code"], e["status"]) for e in items["D4"]["explanations"]] == [("GT-3", "requested")]
    # D6 is late because of a second supplement request, not a date.
    assert items["D6"]["late_reason"] == "second_supplement"


def test_reporting_every_counted_figure_drills_down_to_as_many_facts(start_service):
    service = fed(start_service)
    card = get(service, "/units/PBD/scorecard?period=2026-11")
    for figure in card["figures"]:
        body = get(service, f"/units/PBD/scorecard/{figure['key']}?period=2026-11")
        assert body["total"] == figure["value"], figure["key"]


def test_reporting_drill_downs_of_supplements_feedback_tasks_and_sanctions(start_service):
    service = fed(start_service)
    supplements = get(service, "/units/PBD/scorecard/supplements?period=2026-11")["items"]
    assert [(i["code"], i["detail"]["request_number"], i["detail"]["counts_as_late"]) for i in supplements] == [
        ("D5", 1, False), ("D6", 1, False), ("D6", 2, True)]
    feedback = get(service, "/units/PBD/scorecard/feedback_late?period=2026-11")["items"]
    assert [(i["code"], i["kind"]) for i in feedback] == [("PA-1", "feedback.answered"), ("PA-3", "feedback.overdue")]
    (task,) = get(service, "/units/PBD/scorecard/tasks_overdue?period=2026-11")["items"]
    assert (task["code"], task["due_at"]) == ("NV-2", "2026-11-12T17:00:00+07:00")
    (decision,) = get(service, "/units/PBD/scorecard/decisions?period=2026-11")["items"]
    assert (decision["code"], decision["official"], decision["detail"]["form"]) == ("QD-1", "CB-017", "khien_trach")
    missed = get(service, "/units/PBD/scorecard/explanations_missed?period=2026-11")["items"]
    assert [(i["code"], i["official"], i["related"]) for i in missed] == [("GT-2", "LD-PBD", "D3")]
    (sent_back,) = get(service, "/units/SXD/scorecard/returned_for_fault?period=2026-11")["items"]
    assert (sent_back["code"], sent_back["official"], sent_back["detail"]["officials_fault"]) == ("S2", "CB-031", True)


def test_reporting_an_unknown_figure_or_unit_is_refused(start_service):
    service = fed(start_service)
    response = service.client.get("/reporting/api/v1/units/PBD/scorecard/speed?period=2026-11")
    assert response.status_code == 404 and "figure" in response.get_json()["errors"]
    response = service.client.get("/reporting/api/v1/units/NOPE/scorecard/late?period=2026-11")
    assert response.status_code == 404 and "unit" in response.get_json()["errors"]
    response = service.client.get("/reporting/api/v1/units/PBD/scorecard/late?period=2026-Q5")
    assert response.status_code == 422 and "period" in response.get_json()["errors"]
