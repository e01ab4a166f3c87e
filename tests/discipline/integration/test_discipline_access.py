"""The access matrix: an official sees and explains only their own requests; a head reads their unit's
(and those below it) and judges them only while in office; inspectors, the office and admins read all, but
only inspectors judge besides the head and only inspectors record inspections. Every refusal is a 403 that
says why, and changes nothing."""

from datetime import datetime, timedelta, timezone

import pytest
from test_discipline_explanations_flow import PDF, directory

from services.discipline.use_cases.directory import upsert_official
from services.discipline.use_cases.explanations import submit_explanation
from services.discipline.use_cases.late_facts import record_overdue
from shared.attachments import Upload
from shared.auth import Principal

API = "/discipline/api/v1"
HANOI = timezone(timedelta(hours=7))

# Unit A is W00070 (official CB-001, head CB-100), unit B is W00004 (official CB-301, head CB-300), both under
# P01 (head CB-900).
WHO = {
    "official_A": ("CB-001", "W00070", ["officer"]),
    "head_A": ("CB-100", "W00070", ["head"]),
    "official_B": ("CB-301", "W00004", ["officer"]),
    "head_B": ("CB-300", "W00004", ["head"]),
    "head_city": ("CB-900", "P01", ["head"]),
    "inspector": ("TTV-01", "HN-SNV", ["inspector"]),
    "office": ("VP-01", "P01", ["office"]),
    "admin": ("admin", None, ["admin"]),
}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """One service with a submitted explanation (with a file) in each unit, shared by the matrix: each
    case below only reads, or is refused."""
    import threading

    from kycuong import registry
    from shared import migrations
    from shared.clock import ManualClock
    from shared.runtime import ServiceRuntime
    from shared.settings import Settings
    from shared.web import create_service_app

    settings = Settings.from_env(env={}, var_dir=tmp_path_factory.mktemp("access"), broker_url="memory://")
    runtime = ServiceRuntime(registry.spec("discipline"), settings,
                             clock=ManualClock(datetime(2026, 11, 16, 9, 0, tzinfo=HANOI)))
    migrations.upgrade(runtime.spec.migrations, runtime.database_url)

    class Svc:
        pass

    svc = Svc()
    svc.runtime, svc.stop = runtime, threading.Event()
    svc.client = create_service_app(runtime).test_client()
    directory(svc)
    upsert_official(runtime.uow(), "CB-301", "Hoàng Văn Nam", "W00004", "cong_chuc", "Chuyên viên")
    codes = {}
    for unit, official in (("W00070", "CB-001"), ("W00004", "CB-301")):
        outcome = record_overdue(runtime.uow(), subject=f"HS-{unit}", unit=unit, official=official,
                                         due_at=datetime(2026, 11, 13, 17, 0, tzinfo=HANOI),
                                         detected_at=runtime.clock.now())
        request = next(r for r in outcome.explanations if r.role == "official")
        view = submit_explanation(runtime.uow(), Principal(official, unit, frozenset({"officer"})),
                                          request.code, "Giải trình", [Upload("a.pdf",
                                                                                               "application/pdf",
                                                                                               PDF)])
        codes[unit] = (request.code, view["attachments"][0]["id"])
    svc.codes = codes
    yield svc
    runtime.dispose()


def headers(world, who):
    from shared.auth import mint_token

    sub, unit, roles = WHO[who]
    token = mint_token(world.runtime.settings.jwt_secret, sub=sub, unit=unit, roles=roles, now=datetime.now(HANOI))
    return {"Authorization": f"Bearer {token}"}


A, B = "W00070", "W00004"

READ = [
    ("official_A", A, 200), ("official_A", B, 403), ("official_B", A, 403),
    ("head_A", A, 200), ("head_A", B, 403), ("head_B", A, 403), ("head_city", A, 200), ("head_city", B, 200),
    ("inspector", A, 200), ("office", B, 200), ("admin", A, 200),
]


@pytest.mark.parametrize("who, unit, status", READ)
def test_reading_a_request_and_its_attachment(world, who, unit, status):
    code, attachment = world.codes[unit]
    one = world.client.get(f"{API}/explanations/{code}", headers=headers(world, who))
    assert one.status_code == status, one.json
    file = world.client.get(f"{API}/explanations/{code}/attachments/{attachment}", headers=headers(world, who))
    assert file.status_code == status
    if status == 403:
        assert one.json["message"] and one.json["errors"]
        assert file.json["message"] == one.json["message"]
    else:
        assert one.json["submission"] == "Giải trình" and file.data == PDF


@pytest.mark.parametrize("who, unit, why", [
    ("official_A", B, "Chỉ cán bộ được yêu cầu giải trình (CB-301)"),
    ("head_A", A, "Chỉ cán bộ được yêu cầu giải trình (CB-001)"),
    ("inspector", A, "Chỉ cán bộ được yêu cầu giải trình"),
])
def test_only_the_official_asked_submits(world, who, unit, why):
    code, _ = world.codes[unit]
    response = world.client.post(f"{API}/explanations/{code}/submission", json={"text": "x"},
                                 headers=headers(world, who))
    assert response.status_code == 403 and why in response.json["message"]


@pytest.mark.parametrize("who, unit, why", [
    ("head_A", B, "Chỉ người đứng đầu đơn vị W00004"),
    ("head_B", A, "Chỉ người đứng đầu đơn vị W00070"),
    ("official_B", A, "Chỉ người đứng đầu"),
    ("office", A, "thanh tra viên"),
    ("admin", B, "thanh tra viên"),
    ("official_A", A, "của chính mình"),
])
def test_only_the_head_in_office_or_an_inspector_judges(world, who, unit, why):
    code, _ = world.codes[unit]
    response = world.client.post(f"{API}/explanations/{code}/judgement", json={"accepted": True, "reason": "ok"},
                                 headers=headers(world, who))
    assert response.status_code == 403 and why in response.json["message"], response.json
    with world.runtime.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT status FROM explanation_requests WHERE code = ?",
                                    (code,)).scalar() == "submitted"


@pytest.mark.parametrize("who, sees", [
    ("official_A", {"CB-001"}), ("head_A", {"CB-001", "CB-100"}), ("head_B", {"CB-301", "CB-300"}),
    ("head_city", {"CB-001", "CB-100", "CB-301", "CB-300"}), ("office", {"CB-001", "CB-100", "CB-301", "CB-300"}),
])
def test_lists_show_only_what_the_reader_may_see(world, who, sees):
    page = world.client.get(f"{API}/explanations", headers=headers(world, who)).json
    assert {item["official"] for item in page["items"]} == sees


@pytest.mark.parametrize("who, query, why", [
    ("official_A", {"official": "CB-301"}, "only your own"),
    ("head_A", {"unit": B}, "W00004"),
])
def test_asking_a_list_for_someone_elses_is_refused(world, who, query, why):
    response = world.client.get(f"{API}/explanations", query_string=query, headers=headers(world, who))
    assert response.status_code == 403 and why in response.json["message"]


@pytest.mark.parametrize("who", ["official_A", "head_A", "office", "admin"])
def test_only_inspectors_record_inspections_and_conclude_verifications(world, who):
    body = {"unit": A, "kind": "periodic", "inspected_on": "2026-11-13", "team": ["Đoàn Sở Nội vụ"]}
    response = world.client.post(f"{API}/inspections", json=body, headers=headers(world, who))
    assert response.status_code == 403 and "inspector" in response.json["message"]
    response = world.client.post(f"{API}/verifications/XM-NONE/conclusion", json={"confirmed": False,
                                                                                  "conclusion": "x"},
                                 headers=headers(world, who))
    assert response.status_code == 403 and "inspector" in response.json["message"]
    with world.runtime.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM inspections").scalar() == 0


def test_a_request_or_file_that_does_not_exist_is_a_404(world):
    assert world.client.get(f"{API}/explanations/GT-NONE", headers=headers(world, "admin")).status_code == 404
    code, _ = world.codes[A]
    assert world.client.get(f"{API}/explanations/{code}/attachments/999",
                            headers=headers(world, "admin")).status_code == 404
