"""The procedure catalog on SQLite: versions by effective date through the API, the version a dossier is
received under, and catalog imports (all or nothing, idempotent)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from kycuong import cli
from services.dossiers.domain import procedure_list
from services.dossiers.use_cases import procedures
from shared.errors import InvalidInput

HANOI = timezone(timedelta(hours=7))
API = "/dossiers/api/v1"
UNIT = "PHUONG-HOAN-KIEM"
HEADER = ",".join(procedure_list.CSV_COLUMNS)


@pytest.fixture
def dossiers(start_service, clock):
    # Monday 16 November 2026, 09:00: "today" for these tests.
    return start_service("dossiers", workers=False)


def office(svc):
    return svc.headers(roles=("office",))


def register(svc, **body):
    payload = {"code": "1.004873", "name": "Thủ tục cấp Giấy xác nhận tình trạng hôn nhân", "processing_days": 3,
               "steps": [{"key": "receive", "name": "Tiếp nhận hồ sơ", "days": "0.5", "performer": "Bộ phận một cửa"},
                         {"key": "approve", "name": "Phê duyệt", "days": "2.5", "performer": "Chủ tịch UBND xã"}],
               **body}
    response = svc.client.post(f"{API}/procedures", json=payload, headers=office(svc))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def add_version(svc, code="1.004873", **body):
    payload = {"effective_from": "2026-12-01", "processing_days": 5,
               "steps": [{"key": "receive", "name": "Tiếp nhận hồ sơ", "days": 1},
                         {"key": "approve", "name": "Phê duyệt", "days": 4}], **body}
    return svc.client.post(f"{API}/procedures/{code}/versions", json=payload, headers=office(svc))


def receive(svc, received_at: str, code="1.004873"):
    return svc.client.post(f"{API}/dossiers", headers=svc.headers(sub="CB-01", unit=UNIT, roles=("officer",)), json={
        "procedure_code": code, "unit": UNIT, "handler": "CB-01", "received_at": received_at,
        "applicant": {"name": "Lê Văn Tâm"}})


# -- versions through the API ----------------------------------------------------------------------

def test_dossiers_procedure_registered_as_before_is_version_1_in_force_on_every_date(dossiers):
    created = register(dossiers, level="commune", field="Hộ tịch", supplements_allowed=False)
    assert (created["version"], created["in_force"], created["level_label"]) == (1, True, "Cấp xã")
    assert created["supplements_allowed"] is False and created["extensions_allowed"] is True
    assert [(s["key"], s["days"], s["performer"]) for s in created["steps"]] == [
        ("receive", 0.5, "Bộ phận một cửa"), ("approve", 2.5, "Chủ tịch UBND xã")]
    long_ago = dossiers.client.get(f"{API}/procedures/1.004873?on=2001-01-01").get_json()
    assert (long_ago["version"], long_ago["processing_days"]) == (1, 3)


def test_dossiers_new_version_applies_from_its_date_and_dossiers_keep_the_version_they_came_under(dossiers):
    register(dossiers)
    before = receive(dossiers, "2026-11-16T08:30:00+07:00")
    assert before.status_code == 201, before.get_json()

    response = add_version(dossiers, legal_basis="Quyết định công bố TTHC sửa đổi")
    assert response.status_code == 201, response.get_json()
    assert (response.get_json()["version"], response.get_json()["effective_from"]) == (2, "2026-12-01")

    on_nov = dossiers.client.get(f"{API}/procedures/1.004873?on=2026-11-30").get_json()
    on_dec = dossiers.client.get(f"{API}/procedures/1.004873?on=2026-12-01").get_json()
    today = dossiers.client.get(f"{API}/procedures/1.004873").get_json()
    assert (on_nov["version"], on_nov["processing_days"]) == (1, 3)
    assert (on_dec["version"], on_dec["processing_days"], on_dec["legal_basis"]) == (
        2, 5, "Quyết định công bố TTHC sửa đổi")
    assert today["version"] == 1 and [v["version"] for v in today["versions"]] == [1, 2]
    versions = dossiers.client.get(f"{API}/procedures/1.004873/versions").get_json()
    assert [(v["version"], v["effective_from"], v["processing_days"]) for v in versions] == [
        (1, "1900-01-01", 3), (2, "2026-12-01", 5)]

    # The dossier received under version 1 still owes 3 working days: Thursday 19 November.
    kept = dossiers.client.get(f"{API}/dossiers/{before.get_json()['code']}",
                               headers=dossiers.headers(unit=UNIT, roles=("officer",))).get_json()
    assert kept["processing_days"] == 3 and kept["due_at"].startswith("2026-11-19")
    assert dossiers.scalar("SELECT procedure_version FROM dossiers") == 1

    # Received under version 2 (the clock moves to December): 5 working days.
    dossiers.runtime.clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=HANOI))
    after = receive(dossiers, "2026-12-01T08:30:00+07:00")
    assert after.status_code == 201, after.get_json()
    assert after.get_json()["processing_days"] == 5
    assert dossiers.scalar("SELECT procedure_version FROM dossiers WHERE code = :c",
                           c=after.get_json()["code"]) == 2


def test_dossiers_new_version_cannot_reach_back_over_a_received_dossier_or_an_earlier_version(dossiers):
    register(dossiers, effective_from="2026-01-01")
    assert receive(dossiers, "2026-11-16T08:30:00+07:00").status_code == 201

    over_dossier = add_version(dossiers, effective_from="2026-11-16")
    assert over_dossier.status_code == 422
    assert "2026-11-17 at the earliest" in over_dossier.get_json()["errors"]["effective_from"][0]
    over_version = add_version(dossiers, effective_from="2025-06-01")
    assert "after 2026-01-01" in over_version.get_json()["errors"]["effective_from"][0]
    bad_plan = add_version(dossiers, processing_days=4)
    assert "add up to 5" in bad_plan.get_json()["errors"]["steps"][0]
    missing = add_version(dossiers, code="9.999999")
    assert missing.status_code == 404
    # Nothing was added by the refused requests.
    assert len(dossiers.client.get(f"{API}/procedures/1.004873/versions").get_json()) == 1


def test_dossiers_procedure_not_yet_in_force_refuses_dossiers_and_says_from_when(dossiers):
    register(dossiers, effective_from="2026-12-01")
    refused = receive(dossiers, "2026-11-16T08:30:00+07:00")
    assert refused.status_code == 422
    assert "not in force before 2026-12-01" in refused.get_json()["errors"]["procedure_code"][0]
    unknown = receive(dossiers, "2026-11-16T08:30:00+07:00", code="9.999999")
    assert "no procedure with code" in unknown.get_json()["errors"]["procedure_code"][0]
    shown = dossiers.client.get(f"{API}/procedures/1.004873").get_json()
    assert (shown["in_force"], shown["effective_from"]) == (False, "2026-12-01")
    assert dossiers.client.get(f"{API}/procedures/1.004873?on=2026-11-30").status_code == 404


def test_dossiers_procedure_for_gives_the_version_in_force_on_a_day(dossiers):
    register(dossiers, effective_from="2026-01-01")
    assert add_version(dossiers).status_code == 201
    uow = dossiers.runtime.uow()
    assert procedures.procedure_for(uow, "1.004873", date(2026, 11, 30)).version == 1
    december = procedures.procedure_for(uow, "1.004873", date(2026, 12, 1))
    assert (december.version, december.processing_days, [s.key for s in december.steps]) == (
        2, 5, ["receive", "approve"])
    with pytest.raises(InvalidInput) as exc:
        procedures.procedure_for(uow, "1.004873", date(2025, 12, 31))
    assert "procedure_code" in exc.value.errors


def test_dossiers_catalog_list_filters_by_level(dossiers):
    register(dossiers, level="commune")
    register(dossiers, code="2.000001", name="Thủ tục cấp tỉnh", level="province", steps=[])
    listed = dossiers.client.get(f"{API}/procedures?level=province").get_json()
    assert [item["code"] for item in listed["items"]] == ["2.000001"]
    assert dossiers.client.get(f"{API}/procedures").get_json()["total"] == 2


# -- imports ---------------------------------------------------------------------------------------

def test_dossiers_sample_catalog_imports_once_and_again_changes_nothing(dossiers):
    seen = []
    first = procedures.import_procedure_list(dossiers.runtime.uow(), procedures.SAMPLE_LIST,
                                             progress=lambda done, total: seen.append((done, total)))
    count = len(procedures.read_procedure_list(procedures.SAMPLE_LIST))
    assert len(first.created) == count and len(first.versions_added) == count
    assert seen[-1] == (count, count) and len(seen) == count
    again = procedures.import_procedure_list(dossiers.runtime.uow(), procedures.SAMPLE_LIST)
    assert (again.created, again.changed, again.versions_added, again.unchanged) == ([], [], [], count)
    birth = dossiers.client.get(f"{API}/procedures/1.001193").get_json()
    assert birth["name"] == "Thủ tục đăng ký khai sinh" and birth["steps"][0]["performer"] == "Bộ phận một cửa"


def write_csv(tmp_path, *rows):
    path = tmp_path / "catalog.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_dossiers_catalog_import_is_all_or_nothing_and_never_rewrites_a_version(dossiers, tmp_path):
    register(dossiers, steps=[])
    changed_terms = write_csv(
        tmp_path,
        "1.000001,Thủ tục mới,xã,,,1,,,,,,,",
        "1.004873,Thủ tục cấp Giấy xác nhận tình trạng hôn nhân,,,,4,,,,,,,",  # version 1 said 3 days
    )
    with pytest.raises(InvalidInput) as exc:
        procedures.import_procedure_list(dossiers.runtime.uow(), changed_terms)
    assert "a version never changes" in exc.value.errors["line 3.effective_from"][0]
    assert dossiers.client.get(f"{API}/procedures/1.000001").status_code == 404  # the good row was not written

    dated = write_csv(
        tmp_path,
        "1.000001,Thủ tục mới,xã,,,1,,,,,,,",
        "1.004873,Thủ tục cấp Giấy xác nhận tình trạng hôn nhân,,,,3,,,,,,,",
        "1.004873,,,,2027-01-01,4,,,,,,,",
    )
    result = procedures.import_procedure_list(dossiers.runtime.uow(), dated)
    assert result.created == ["1.000001"] and result.versions_added == [("1.000001", 1), ("1.004873", 2)]
    versions = dossiers.client.get(f"{API}/procedures/1.004873/versions").get_json()
    assert [(v["effective_from"], v["processing_days"]) for v in versions] == [("1900-01-01", 3), ("2027-01-01", 4)]


def test_dossiers_cli_imports_a_catalog_with_progress_and_refuses_a_bad_file(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("KYCUONG_VAR_DIR", str(tmp_path / "var"))
    assert cli.main(["procedures", "import", str(procedures.SAMPLE_LIST)]) == 0
    err = capsys.readouterr().err
    assert "thủ tục hành chính [" in err and "24 procedures created" in err
    bad = write_csv(tmp_path, "1.000001,Thủ tục,,,,-1,,,,,,,")  # 0 is a same-day procedure; -1 is wrong
    with pytest.raises(SystemExit) as exc:
        cli.main(["procedures", "import", str(bad), "--format", "csv"])
    assert "line 2.processing_days" in str(exc.value.code)
