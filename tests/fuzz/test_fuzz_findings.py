"""What the OpenAPI fuzzer (test_fuzz_openapi.py) found, each pinned by a test of its own that names the
defect, on SQLite so that it runs in a second."""

from __future__ import annotations

import pytest

from shared.settings import SERVICES

API = "/{service}/api/v1"


@pytest.fixture
def tasks(start_service):
    return start_service("tasks", workers=False)


@pytest.fixture
def dossiers(start_service):
    return start_service("dossiers", workers=False)


@pytest.fixture
def discipline(start_service):
    return start_service("discipline", workers=False)


@pytest.fixture
def feedback(start_service):
    return start_service("feedback", workers=False)


def test_a_leaders_rates_are_numbers_as_the_openapi_document_says(tasks):
    # Found: {"completion_rate": "0.0"} where the schema says "type": "number".
    answer = tasks.client.get("/tasks/api/v1/leaders/CB-0001/summary", headers=tasks.headers())
    assert answer.status_code == 200, answer.get_json()
    overall = answer.get_json()["overall"]
    assert overall["completion_rate"] == 0 and overall["on_time_rate"] == 0
    assert not isinstance(overall["completion_rate"], str) and not isinstance(overall["on_time_rate"], str)
    documented = tasks.client.get("/tasks/docs/openapi.json").get_json()["components"]["schemas"]["Tally"]
    assert documented["properties"]["completion_rate"]["type"] == "number"


def test_working_day_budgets_are_numbers_as_the_openapi_document_says(dossiers):
    # Found: {"processing_days": "3"} and step budgets "0.25" where the schema says "type": "number".
    steps = [{"key": "receive", "name": "Tiếp nhận", "days": "0.25"},
             {"key": "appraise", "name": "Thẩm định", "days": 1.25},
             {"key": "approve", "name": "Phê duyệt", "days": "1.5"}]
    answer = dossiers.client.post("/dossiers/api/v1/procedures", headers=dossiers.headers(roles=("office",)),
                                  json={"code": "1.004227", "name": "Cấp giấy phép xây dựng", "processing_days": 3,
                                        "steps": steps})
    assert answer.status_code == 201, answer.get_json()
    created = answer.get_json()
    assert created["processing_days"] == 3 and not isinstance(created["processing_days"], str)
    assert [step["days"] for step in created["steps"]] == [0.25, 1.25, 1.5]
    versions = dossiers.client.get("/dossiers/api/v1/procedures/1.004227/versions").get_json()
    assert [version["processing_days"] for version in versions] == [3]


def test_a_disciplinary_step_dated_outside_the_working_calendar_is_refused_not_a_server_error(discipline):
    # Found: a step "at" 2000-01-01 was a 500 (the calendar covers 2015-2040, and the next step's deadline
    # is counted from it).
    answer = discipline.client.post("/discipline/api/v1/sanction-proposals/DXKL-202612-XLBWW6/steps",
                                    headers=discipline.headers(),
                                    json={"step": "review", "at": "2000-01-01T00:00:00Z"})
    assert answer.status_code == 422, answer.get_json()
    assert "2015 and 2040" in answer.get_json()["errors"]["at"][0]


def test_a_dossier_step_dated_outside_the_working_calendar_is_refused(dossiers):
    answer = dossiers.client.post("/dossiers/api/v1/dossiers/HS-0001/completion", headers=dossiers.headers(),
                                  json={"at": "1999-12-31T10:00:00+07:00"})
    assert answer.status_code == 422, answer.get_json()
    assert "at" in answer.get_json()["errors"]


def test_a_form_part_without_a_name_is_refused_not_a_server_error(feedback):
    # Found: the public intake answered 500 to a multipart form with a part that has no name
    # (shared/web/body.py read the missing name as a field called None).
    body = (b"--b\r\nContent-Disposition: form-data\r\n\r\nv\r\n"
            b"--b\r\nContent-Disposition: form-data; name=\"content\"\r\n\r\nx\r\n--b--\r\n")
    answer = feedback.client.post("/feedback/api/v1/feedback", data=body,
                                  content_type="multipart/form-data; boundary=b")
    assert answer.status_code == 422, answer.get_data(as_text=True)
    assert answer.get_json()["code"] == "invalid_input"


def test_a_yes_or_no_is_true_or_false_never_guessed_from_1_or_yes(tasks, dossiers):
    # OpenAPI says "type": "boolean"; 1 or "yes" was taken as true, 0 as false.
    for approved in (1, "yes", "on"):
        answer = tasks.client.post("/tasks/api/v1/tasks/NV-0001/extensions/1/decision", headers=tasks.headers(),
                                   json={"approved": approved})
        assert answer.status_code == 422, (approved, answer.get_json())
        assert answer.get_json()["errors"]["approved"] == ["write true or false."]
    listed = dossiers.client.get("/dossiers/api/v1/dossiers?overdue=1", headers=dossiers.headers())
    assert listed.status_code == 422 and "query.overdue" in listed.get_json()["errors"]
    # The spelling of a boolean in a query string (or a form) stays accepted.
    assert dossiers.client.get("/dossiers/api/v1/dossiers?overdue=true", headers=dossiers.headers()).status_code == 200


def test_a_withdrawn_dossiers_timeliness_is_null_and_the_openapi_document_says_it_may_be(dossiers):
    # Found: "timeliness": null in the list of dossiers, where the schema said "type": "string".
    office = dossiers.headers(roles=("office",))
    assert dossiers.client.post("/dossiers/api/v1/procedures", headers=office, json={
        "code": "1.004227", "name": "Cấp giấy phép xây dựng", "processing_days": 3}).status_code == 201
    received = dossiers.client.post("/dossiers/api/v1/dossiers", headers=office, json={
        "procedure_code": "1.004227", "unit": "W00070", "handler": "CB-W070-11",
        "applicant": {"name": "Nguyễn Văn An", "phone": "0912345678"}})
    assert received.status_code == 201, received.get_json()
    code = received.get_json()["code"]
    ended = dossiers.client.post(f"/dossiers/api/v1/dossiers/{code}/end", headers=office,
                                 json={"end": "withdrawn"})
    assert ended.status_code == 200, ended.get_json()
    assert ended.get_json()["timeliness"] is None
    documented = dossiers.client.get("/dossiers/docs/openapi.json").get_json()["components"]["schemas"]
    assert documented["DossierOut"]["properties"]["timeliness"]["nullable"] is True


@pytest.mark.parametrize("service", SERVICES)
def test_every_answer_of_every_operation_is_documented_with_its_content(start_service, service):
    """Every error answer has the one error shape (ErrorResponse); every success names its media types.
    Found: an explanation's attachment (JPEG, PNG or PDF) was documented without content, and an issued
    report's file as PDF only while .xlsx answers with the XLSX type."""
    svc = start_service(service, workers=False)
    spec = svc.client.get(f"/{service}/docs/openapi.json").get_json()
    undocumented = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            for status, answer in operation["responses"].items():
                if "$ref" in answer:
                    answer = spec["components"]["responses"][answer["$ref"].rsplit("/", 1)[1]]
                content = answer.get("content") or {}
                if status == "default" or status[0] in "45":
                    shapes = [str(media.get("schema")) for media in content.values()]
                    if not shapes or any("ErrorResponse" not in shape for shape in shapes):
                        undocumented.append(f"{method.upper()} {path} {status}: not the error shape")
                elif not content:
                    undocumented.append(f"{method.upper()} {path} {status}: no content documented")
    assert undocumented == []
    if service == "reporting":
        file = spec["paths"]["/reporting/api/v1/reports/{code}.{file_format}"]["get"]["responses"]["200"]
        assert set(file["content"]) == {"application/pdf",
                                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
    if service == "discipline":
        file = spec["paths"]["/discipline/api/v1/explanations/{code}/attachments/{attachment_id}"]["get"]
        assert set(file["responses"]["200"]["content"]) == {"image/jpeg", "image/png", "application/pdf"}


@pytest.fixture
def reporting(start_service):
    return start_service("reporting", workers=False)


def test_a_period_or_a_day_in_office_in_year_1_is_refused_not_a_server_error(discipline, reporting):
    # Found by probing the fuzzer's blind spots (patterned strings): year 0001 overflowed a date (500).
    admin = discipline.headers()
    assert discipline.client.post("/discipline/api/v1/units", headers=admin, json={
        "code": "W00070", "name": "Phường Hoàn Kiếm", "kind": "ward"}).status_code == 200
    assert discipline.client.post("/discipline/api/v1/officials", headers=admin, json={
        "code": "CB-W070-01", "name": "Đặng Văn Long", "unit": "W00070", "category": "can_bo",
        "position": "Chủ tịch UBND phường"}).status_code == 200
    head = discipline.client.post("/discipline/api/v1/units/W00070/heads", headers=admin,
                                  json={"official": "CB-W070-01", "since": "0001-01-01"})
    assert head.status_code == 422 and "since" in head.get_json()["errors"]
    ranking = reporting.client.get("/reporting/api/v1/rankings?period=0001-01")
    assert ranking.status_code == 422 and "query.period" in ranking.get_json()["errors"]
    issued = reporting.client.post("/reporting/api/v1/reports", headers=reporting.headers(),
                                   json={"kind": "monthly", "period": "0001-01"})
    assert issued.status_code == 422 and "period" in issued.get_json()["errors"]
    reissued = reporting.client.post("/reporting/api/v1/reports", headers=reporting.headers(),
                                     json={"kind": "monthly", "period": "2026-11", "reissue": 1})
    assert reissued.status_code == 422 and reissued.get_json()["errors"]["reissue"] == ["write true or false."]
