"""Assigned tasks over HTTP: the office assigns, units see the tasks they lead or co-operate on."""

import json

import pytest
from conftest import wait_until
from sqlalchemy import text

URL = "/tasks/api/v1/tasks"
DIRECTIVE = "01/CT-UBND"


def task(**changes):
    data = {
        "title": "Rà soát, báo cáo tình hình giải quyết hồ sơ quá hạn quý IV/2026",
        "lead_unit": "SO-NV",
        "co_units": ["SO-TC", "VP-UBND"],
        "due_at": "2026-12-15T17:00:00+07:00",
        "document": DIRECTIVE,
        "required_product": "Báo cáo bằng văn bản",
    }
    data.update(changes)
    return data


def office(svc):
    return svc.headers(sub="vp.chanhvanphong", unit="VP-UBND", roles=("office",))


def officer(svc, unit):
    return svc.headers(sub=f"cb.{unit.lower()}", unit=unit, roles=("officer",))


def assign(svc, **changes):
    response = svc.client.post(URL, json=task(**changes), headers=office(svc))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def outbox_events(svc) -> list[dict]:
    with svc.runtime.engine.connect() as conn:
        return [json.loads(row[0]) for row in conn.execute(text("SELECT body FROM outbox ORDER BY id"))]


def stored(svc) -> tuple[int, int, int]:
    return tuple(svc.scalar(f"SELECT count(*) FROM {table}") for table in ("tasks", "task_units", "outbox"))


def test_the_office_assigns_a_task_and_the_lead_unit_is_told(start_service):
    svc = start_service("tasks", workers=False)

    created = assign(svc)

    assert created["code"].startswith("NV-202611-")
    assert created["lead_unit"] == "SO-NV" and created["co_units"] == ["SO-TC", "VP-UBND"]
    assert created["assigned_by"] == "vp.chanhvanphong"
    (event,) = outbox_events(svc)
    assert event["type"] == "task.assigned"
    assert event["subject"] == created["code"]
    assert event["unit"] == "SO-NV"
    assert event["data"]["lead_unit"] == "SO-NV"
    assert event["data"]["co_units"] == ["SO-TC", "VP-UBND"]
    assert event["data"]["due_at"] == "2026-12-15T17:00:00+07:00"
    assert event["data"]["document"] == DIRECTIVE
    assert stored(svc) == (1, 3, 1)


def test_a_co_operating_unit_named_twice_is_kept_once(start_service):
    svc = start_service("tasks", workers=False)

    created = assign(svc, co_units=["SO-TC", "SO-TC"])

    assert created["co_units"] == ["SO-TC"]
    assert outbox_events(svc)[0]["data"]["co_units"] == ["SO-TC"]


@pytest.mark.parametrize("changes, field", [
    ({"co_units": ["SO-TC", "SO-NV"]}, "co_units"),
    ({"due_at": "2026-11-16T08:59:00+07:00"}, "due_at"),
    ({"due_at": "2026-12-15T17:00:00"}, "due_at"),  # no offset: which 17:00?
    ({"title": "BC"}, "title"),
    ({"lead_unit": ""}, "lead_unit"),
])
def test_an_invalid_assignment_names_the_field_and_stores_nothing(start_service, changes, field):
    svc = start_service("tasks", workers=False)

    response = svc.client.post(URL, json=task(**changes), headers=office(svc))

    assert response.status_code == 422
    error = response.get_json()
    assert error["code"] == "invalid_input"
    assert field in error["errors"], error
    assert stored(svc) == (0, 0, 0)


def test_an_officer_cannot_assign_tasks(start_service):
    svc = start_service("tasks", workers=False)

    response = svc.client.post(URL, json=task(), headers=officer(svc, "SO-NV"))

    assert response.status_code == 403
    assert "office" in response.get_json()["message"]
    assert stored(svc) == (0, 0, 0)


def test_assigning_needs_a_token(start_service):
    svc = start_service("tasks", workers=False)

    assert svc.client.post(URL, json=task()).status_code == 401
    assert stored(svc) == (0, 0, 0)


def test_a_unit_lists_the_tasks_it_leads_and_those_it_co_operates_on(start_service, clock):
    svc = start_service("tasks", workers=False)
    leads = assign(svc, lead_unit="SO-TC", co_units=[], due_at="2026-12-01T17:00:00+07:00")["code"]
    co_operates = assign(svc, lead_unit="SO-NV", co_units=["SO-TC"], due_at="2026-12-20T17:00:00+07:00")["code"]
    assign(svc, lead_unit="SO-XD", co_units=["SO-NV"])

    listed = svc.client.get(URL, headers=officer(svc, "SO-TC")).get_json()

    assert [t["code"] for t in listed["items"]] == [leads, co_operates]  # nearest deadline first
    assert listed["total"] == 2


def test_an_officer_of_another_unit_is_refused(start_service):
    svc = start_service("tasks", workers=False)
    code = assign(svc, lead_unit="SO-NV", co_units=["SO-TC"])["code"]
    outsider = officer(svc, "SO-XD")

    listing = svc.client.get(f"{URL}?unit=SO-NV", headers=outsider)
    reading = svc.client.get(f"{URL}/{code}", headers=outsider)

    assert listing.status_code == 403 and "SO-XD" in listing.get_json()["message"]
    assert reading.status_code == 403 and "SO-XD" in reading.get_json()["message"]


def test_a_task_is_read_by_its_code_by_the_lead_and_co_operating_units(start_service):
    svc = start_service("tasks", workers=False)
    created = assign(svc, lead_unit="SO-NV", co_units=["SO-TC"])

    as_lead = svc.client.get(f"{URL}/{created['code']}", headers=officer(svc, "SO-NV"))
    as_co_unit = svc.client.get(f"{URL}/{created['code']}", headers=officer(svc, "SO-TC"))

    assert as_lead.status_code == 200 and as_co_unit.status_code == 200
    assert as_lead.get_json()["title"] == created["title"]
    assert as_lead.get_json()["required_product"] == "Báo cáo bằng văn bản"


def test_an_unknown_code_is_404(start_service):
    svc = start_service("tasks", workers=False)

    response = svc.client.get(f"{URL}/NV-202611-ZZZZZZ", headers=office(svc))

    assert response.status_code == 404
    assert "NV-202611-ZZZZZZ" in response.get_json()["message"]


def test_tasks_of_a_directive_are_listed_together(start_service):
    svc = start_service("tasks", workers=False)
    of_directive = assign(svc, document=DIRECTIVE)["code"]
    assign(svc, document="05/KH-UBND")

    listed = svc.client.get(f"{URL}?document={DIRECTIVE}", headers=office(svc)).get_json()

    assert [t["code"] for t in listed["items"]] == [of_directive]


def test_an_officer_whose_token_names_no_unit_sees_no_units_tasks(start_service):
    svc = start_service("tasks", workers=False)
    assign(svc)

    response = svc.client.get(URL, headers=svc.headers(unit=None, roles=("officer",)))

    assert response.status_code == 403 or response.get_json()["total"] == 0


def test_deadlines_read_back_in_hanoi_time(start_service):
    svc = start_service("tasks", workers=False)
    code = assign(svc, due_at="2026-12-15T17:00:00+07:00")["code"]

    shown = svc.client.get(f"{URL}/{code}", headers=office(svc)).get_json()

    assert shown["due_at"] == "2026-12-15T17:00:00+07:00"


def test_tasks_are_assigned_and_listed_on_postgresql(start_service, pg_database):
    svc = start_service("tasks", database_url=pg_database("tasks"))
    code = assign(svc, lead_unit="SO-NV", co_units=["SO-TC"])["code"]
    assign(svc, lead_unit="SO-XD", co_units=[])

    co_unit_list = svc.client.get(URL, headers=officer(svc, "SO-TC")).get_json()
    read = svc.client.get(f"{URL}/{code}", headers=officer(svc, "SO-NV")).get_json()
    refused = svc.client.post(URL, json=task(co_units=["SO-NV"]), headers=office(svc))

    assert [t["code"] for t in co_unit_list["items"]] == [code]
    assert read["co_units"] == ["SO-TC"]
    assert refused.status_code == 422 and "co_units" in refused.get_json()["errors"]
    assert svc.scalar("SELECT count(*) FROM tasks") == 2
    wait_until(lambda: svc.scalar("SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL") == 2,
               message="the relay publishes both task.assigned events")
