"""The directory through its use cases and HTTP API: the Hà Nội import, units in Vietnamese order,
officials, heads over time, and the directory.* events other services copy."""

from datetime import date

import pytest

from services.discipline.use_cases.directory import head_on, import_departments, import_province, upsert_official

API = "/discipline/api/v1"


def outbox_count(svc, event_type):
    return svc.scalar("SELECT count(*) FROM outbox WHERE routing_key = :t", t=event_type)


@pytest.fixture
def svc(start_service):
    return start_service("discipline", workers=False)


@pytest.fixture
def hanoi(svc):
    import_province(svc.runtime.uow(), 1)
    import_departments(svc.runtime.uow())
    return svc


def test_importing_hanoi_gives_the_city_its_126_wards_and_communes_and_its_departments(svc):
    seen = []
    province = import_province(svc.runtime.uow(), 1, progress=lambda done, total: seen.append(total))
    departments = import_departments(svc.runtime.uow())

    assert len(province.created) == 127 and seen[-1] == 127
    assert svc.scalar("SELECT count(*) FROM units WHERE parent = 'P01' AND kind IN ('ward', 'commune')") == 126
    assert svc.scalar("SELECT name FROM units WHERE code = 'P01'") == "Thành phố Hà Nội"
    assert svc.scalar("SELECT name FROM units WHERE code = 'W00070'") == "Phường Hoàn Kiếm"
    assert svc.scalar("SELECT name FROM units WHERE code = 'HN-SNV'") == "Sở Nội vụ"
    assert len(departments.created) >= 15
    total = 127 + len(departments.created)
    assert svc.scalar("SELECT count(*) FROM units") == total
    assert outbox_count(svc, "directory.unit_upserted") == total


def test_importing_again_changes_and_emits_nothing(hanoi):
    before = outbox_count(hanoi, "directory.unit_upserted")
    again = import_province(hanoi.runtime.uow(), 1)
    departments = import_departments(hanoi.runtime.uow())
    assert (again.created, again.changed, again.unchanged) == ([], [], 127)
    assert departments.created == [] and departments.changed == []
    assert outbox_count(hanoi, "directory.unit_upserted") == before


def test_an_unknown_province_code_is_refused(svc):
    with pytest.raises(Exception, match="no province with national code 99"):
        import_province(svc.runtime.uow(), 99)


def test_a_departments_file_with_an_unknown_parent_is_refused_whole_with_the_line(svc, tmp_path):
    import_province(svc.runtime.uow(), 1)
    bad = tmp_path / "departments.csv"
    bad.write_text("code,name,parent,kind\nHN-SNV,Sở Nội vụ,P01,department\nHN-X,Phòng X,HN-NOPE,office\n",
                   encoding="utf-8")
    with pytest.raises(Exception) as error:
        import_departments(svc.runtime.uow(), bad)
    assert "line 3.parent" in error.value.errors
    assert svc.scalar("SELECT count(*) FROM units WHERE code = 'HN-SNV'") == 0


def test_units_are_listed_in_vietnamese_order_with_paging_and_filters(hanoi):
    headers = hanoi.headers(roles=["officer"], unit="W00070")
    wards = hanoi.client.get(f"{API}/units?parent=P01&kind=ward&page_size=500", headers=headers).json
    names = [u["name"] for u in wards["items"]]
    assert wards["total"] == 51 and all(u["kind"] == "ward" for u in wards["items"])
    assert names.index("Phường Dương Nội") < names.index("Phường Định Công") < names.index("Phường Đống Đa")
    assert names.index("Phường Long Biên") < names.index("Phường Ô Chợ Dừa") < names.index("Phường Phú Diễn")

    first = hanoi.client.get(f"{API}/units?parent=P01&kind=ward&page_size=20", headers=headers).json
    second = hanoi.client.get(f"{API}/units?parent=P01&kind=ward&page_size=20&page=2", headers=headers).json
    assert [u["name"] for u in first["items"] + second["items"]] == names[:40]

    communes = hanoi.client.get(f"{API}/units?kind=commune&page_size=1", headers=headers).json
    assert communes["total"] == 75


def test_reading_the_directory_needs_a_token(hanoi):
    response = hanoi.client.get(f"{API}/units")
    assert response.status_code == 401
    assert response.json["code"] == "unauthorized"


def test_an_admin_creates_and_renames_a_unit_and_each_real_change_is_one_event(hanoi):
    admin = hanoi.headers(roles=["admin"])
    body = {"code": "HN-SNV-PCCVC", "name": "Phòng Công chức, viên chức", "parent": "HN-SNV", "kind": "office"}
    before = outbox_count(hanoi, "directory.unit_upserted")

    created = hanoi.client.post(f"{API}/units", json=body, headers=admin)
    assert created.status_code == 200 and created.json["parent"] == "HN-SNV"
    assert hanoi.client.post(f"{API}/units", json=body, headers=admin).status_code == 200
    renamed = hanoi.client.post(f"{API}/units", json={**body, "name": "Phòng Quản lý công chức"}, headers=admin)
    assert renamed.json["name"] == "Phòng Quản lý công chức"
    assert outbox_count(hanoi, "directory.unit_upserted") == before + 2

    detail = hanoi.client.get(f"{API}/units/HN-SNV", headers=admin).json
    assert detail["children"] == 1


def test_creating_units_is_refused_to_non_admins_and_for_bad_input(hanoi):
    body = {"code": "HN-X", "name": "Phòng X", "parent": "P01", "kind": "office"}
    office = hanoi.client.post(f"{API}/units", json=body, headers=hanoi.headers(roles=["office"]))
    assert office.status_code == 403

    admin = hanoi.headers(roles=["admin"])
    orphan = hanoi.client.post(f"{API}/units", json={**body, "parent": "P99"}, headers=admin)
    assert orphan.status_code == 422 and "parent" in orphan.json["errors"]
    loop = hanoi.client.post(f"{API}/units", json={"code": "P01", "name": "Thành phố Hà Nội", "parent": "W00070",
                                                   "kind": "province"}, headers=admin)
    assert loop.status_code == 422 and "loop" in loop.json["errors"]["parent"][0]
    missing = hanoi.client.post(f"{API}/units", json={"code": "HN-X"}, headers=admin)
    assert missing.status_code == 422 and {"name", "kind"} <= set(missing.json["errors"])


def test_officials_are_created_by_the_office_and_listed_by_unit(hanoi):
    office = hanoi.headers(roles=["office"])
    for code, name in [("CB-2", "Lê Thị Bình"), ("CB-1", "Trần Văn An")]:
        response = hanoi.client.post(f"{API}/officials", headers=office, json={
            "code": code, "name": name, "unit": "W00070", "position": "Chuyên viên", "category": "cong_chuc"})
        assert response.status_code == 200
    listed = hanoi.client.get(f"{API}/officials?unit=W00070", headers=office).json
    assert [o["name"] for o in listed["items"]] == ["Trần Văn An", "Lê Thị Bình"]
    assert outbox_count(hanoi, "directory.official_upserted") == 2

    body = {"code": "CB-3", "name": "Phạm Dũng", "unit": "W00070", "category": "cong_chuc"}
    no_unit = hanoi.client.post(f"{API}/officials", headers=office, json={**body, "unit": "NOWHERE"})
    assert no_unit.status_code == 422 and "not a unit" in no_unit.json["errors"]["unit"][0]
    no_category = hanoi.client.post(f"{API}/officials", headers=office, json={**body, "category": "nhan_vien"})
    assert no_category.status_code == 422 and "category" in no_category.json["errors"]
    officer = hanoi.client.post(f"{API}/officials", headers=hanoi.headers(roles=["officer"]), json=body)
    assert officer.status_code == 403


def test_a_new_head_ends_the_previous_term_and_the_unit_shows_who_heads_it_today(hanoi):
    uow = hanoi.runtime.uow
    upsert_official(uow(), "CB-A", "Nguyễn Văn An", "W00070", "can_bo", "Chủ tịch UBND phường", True)
    upsert_official(uow(), "CB-B", "Trần Thị Bích", "W00070", "can_bo", "Chủ tịch UBND phường", True)
    office = hanoi.headers(roles=["office"])

    first = hanoi.client.post(f"{API}/units/W00070/heads", json={"official": "CB-A", "since": "2025-07-01"},
                              headers=office)
    assert first.status_code == 200 and first.json["until"] is None
    second = hanoi.client.post(f"{API}/units/W00070/heads", json={"official": "CB-B", "since": "2026-03-01"},
                               headers=office)
    assert second.json["official"] == "CB-B" and second.json["name"] == "Trần Thị Bích"

    unit = hanoi.client.get(f"{API}/units/W00070", headers=office).json
    assert unit["head"]["official"] == "CB-B" and unit["head"]["since"] == "2026-03-01"
    history = hanoi.client.get(f"{API}/units/W00070/heads", headers=office).json
    assert [(t["official"], t["since"], t["until"]) for t in history] == [
        ("CB-B", "2026-03-01", None), ("CB-A", "2025-07-01", "2026-02-28")]
    assert head_on(uow(), "W00070", date(2026, 2, 28)).official == "CB-A"
    # the new term, and the earlier one re-published with its end
    assert outbox_count(hanoi, "directory.head_assigned") == 3

    again = hanoi.client.post(f"{API}/units/W00070/heads", json={"official": "CB-B", "since": "2026-05-01"},
                              headers=office)
    assert again.json["since"] == "2026-03-01"
    assert outbox_count(hanoi, "directory.head_assigned") == 3


def test_a_head_must_be_an_official_of_the_directory(hanoi):
    office = hanoi.headers(roles=["office"])
    unknown = hanoi.client.post(f"{API}/units/W00070/heads", json={"official": "CB-NONE", "since": "2026-01-01"},
                                headers=office)
    assert unknown.status_code == 422 and "official" in unknown.json["errors"]
    no_unit = hanoi.client.post(f"{API}/units/W99999/heads", json={"official": "CB-NONE", "since": "2026-01-01"},
                                headers=office)
    assert no_unit.status_code == 404
