"""The procedure catalog without a database: reading CSV and JSON files, the shipped sample, version rules."""

from __future__ import annotations

import json
import unicodedata
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest

from services.dossiers.domain import procedure as procedure_rules
from services.dossiers.domain import procedure_list
from services.dossiers.use_cases import procedures
from shared.errors import InvalidInput
from shared.versions import in_force

HEADER = ",".join(procedure_list.CSV_COLUMNS)


def check_procedure(code, processing_days, steps):
    """The plan of a valid procedure; InvalidInput with every problem otherwise (as registering it answers)."""
    plan, errors = procedure_rules.procedure_errors(code, processing_days, steps)
    if errors:
        raise InvalidInput("the procedure cannot be registered as given", errors)
    return plan


def csv_text(*rows: str) -> str:
    return "\n".join([HEADER, *rows]) + "\n"


def problems(exc: pytest.ExceptionInfo) -> dict[str, list[str]]:
    return exc.value.errors


# -- the shipped sample ----------------------------------------------------------------------------

def test_dossiers_sample_catalog_holds_real_procedures_with_plans_that_add_up():
    entries = procedures.read_procedure_list(procedures.SAMPLE_LIST)
    by_code = {entry.code: entry for entry in entries}
    assert 15 <= len(entries) <= 30
    assert len(by_code) == len(entries)
    birth = by_code["1.001193"]
    assert birth.name == "Thủ tục đăng ký khai sinh"
    assert (birth.level, birth.field) == ("commune", "Hộ tịch")
    assert by_code["1.001612"].name == "Đăng ký thành lập hộ kinh doanh"
    assert by_code["1.004873"].versions[0].processing_days == Decimal("3")
    for entry in entries:
        assert unicodedata.is_normalized("NFC", entry.name)
        for terms in entry.versions:
            assert terms.steps, f"{entry.code} has no step plan"
            assert sum(step.days for step in terms.steps) == terms.processing_days
            assert all(step.performer for step in terms.steps)


# -- CSV -------------------------------------------------------------------------------------------

def test_dossiers_csv_rows_of_one_version_continue_below_their_first_row():
    entries = procedure_list.parse_csv(csv_text(
        "1.004873,Thủ tục cấp Giấy xác nhận tình trạng hôn nhân,Cấp xã,Hộ tịch,,3,có,không,Luật Hộ tịch 2014,"
        "receive,Tiếp nhận hồ sơ,\"0,5\",Bộ phận một cửa",
        "1.004873,,,,,,,,,appraise,Thẩm định,1,",
        "1.004873,,,,,,,,,approve,Phê duyệt,1.5,Chủ tịch UBND xã",
        "# a comment row is skipped,,,,,,,,,,,,",
        "1.004873,,,,01/07/2027,2,,,,receive,Tiếp nhận hồ sơ,0.5,",
        "1.004873,,,,,,,,,approve,Phê duyệt,1.5,",
    ))
    [entry] = entries
    assert entry.level == "commune"
    first, second = entry.versions
    assert first.effective_from == procedure_rules.IN_FORCE_SINCE_ALWAYS
    assert (first.processing_days, first.supplements_allowed, first.extensions_allowed) == (3, True, False)
    assert [(s.key, s.days, s.performer) for s in first.steps] == [
        ("receive", Decimal("0.5"), "Bộ phận một cửa"), ("appraise", 1, None), ("approve", Decimal("1.5"),
                                                                                "Chủ tịch UBND xã")]
    assert second.effective_from == date(2027, 7, 1)
    assert [s.key for s in second.steps] == ["receive", "approve"]
    assert entry.version_where == ("line 2", "line 6")


def test_dossiers_csv_reports_every_problem_with_its_line_before_anything_is_imported():
    with pytest.raises(InvalidInput) as exc:
        procedure_list.parse_csv(csv_text(
            "1.000001,Thủ tục một,tỉnh,,,3,,,,receive,Tiếp nhận,1,",
            "1.000001,,,,,,,,,approve,Phê duyệt,1,",  # 2 days of steps for 3 legal days
            "1.000002,Thủ tục hai,phường,,,abc,,,,,,,",  # unknown level, days not a number
            ",Thủ tục không mã,,,,1,,,,,,,",
            "1.000003,Thủ tục ba,,,2026-13-01,1,có lẽ,,,,,,",  # wrong date and flag
            "1.000001,Tên khác,,,,,,,,,,,",  # the procedure's name differs from line 2
        ))
    errors = problems(exc)
    assert "nothing was imported" in exc.value.message
    assert any("add up to 2" in message for message in errors["line 2.steps"])
    assert "not a level" in errors["line 4.level"][0]
    assert "not a number" in errors["line 4.processing_days"][0]
    assert "is missing" in errors["line 5.code"][0]
    assert "not a date" in errors["line 6.effective_from"][0]
    assert "not yes or no" in errors["line 6.supplements_allowed"][0]
    assert "differs from 'Thủ tục một'" in errors["line 7.name"][0]


def test_dossiers_csv_header_must_name_the_known_columns():
    with pytest.raises(InvalidInput) as exc:
        procedure_list.parse_csv("code,name,days\n1.000001,Thủ tục,1\n")
    [messages] = problems(exc).values()
    assert any("lacks processing_days" in m for m in messages)
    assert any("unknown column(s) days" in m for m in messages)


# -- JSON ------------------------------------------------------------------------------------------

def test_dossiers_json_catalog_reads_versions_in_date_order():
    document = {"procedures": [{
        "code": "1.001612", "name": "Đăng ký thành lập hộ kinh doanh", "level": "commune",
        "field": "Thành lập và hoạt động của hộ kinh doanh",
        "versions": [
            {"effective_from": "2027-01-01", "processing_days": 2, "supplements_allowed": False,
             "steps": [{"key": "receive", "name": "Tiếp nhận", "days": 0.5},
                       {"key": "approve", "name": "Phê duyệt", "days": "1.5", "performer": "Phòng Kinh tế"}]},
            {"processing_days": "3", "legal_basis": "Nghị định 01/2021/NĐ-CP"},
        ]}]}
    [entry] = procedure_list.parse_json(json.dumps(document, ensure_ascii=False))
    old, new = entry.versions
    assert (old.effective_from, old.processing_days, old.legal_basis) == (
        procedure_rules.IN_FORCE_SINCE_ALWAYS, 3, "Nghị định 01/2021/NĐ-CP")
    assert (new.effective_from, new.supplements_allowed, new.steps[0].days) == (date(2027, 1, 1), False,
                                                                               Decimal("0.5"))
    assert entry.version_where == ("procedures[0].versions[1]", "procedures[0].versions[0]")


def test_dossiers_json_catalog_names_the_path_of_each_problem():
    document = [
        {"code": "1.000001", "name": "Một", "versions": [{"processing_days": True}]},
        {"code": "1.000001", "name": "Hai", "versions": []},
        {"code": "1.000002", "name": "", "level": "xã", "versions": [
            {"processing_days": 1, "steps": [{"key": "a", "name": "Bước", "days": "nửa"}]}]},
    ]
    with pytest.raises(InvalidInput) as exc:
        procedure_list.parse_json(json.dumps(document, ensure_ascii=False))
    errors = problems(exc)
    assert "not a number" in errors["procedures[0].versions[0].processing_days"][0]
    assert "listed twice" in errors["procedures[1].code"][0]
    assert "is missing" in errors["procedures[2].name"][0]
    assert "not a number" in errors["procedures[2].versions[0].steps[0].days"][0]


def test_dossiers_catalog_file_format_comes_from_its_extension(tmp_path):
    path = tmp_path / "catalog.txt"
    path.write_text(csv_text("1.000001,Thủ tục,,,,1,,,,,,,"), encoding="utf-8")
    with pytest.raises(InvalidInput) as exc:
        procedures.read_procedure_list(path)
    assert "format" in problems(exc)
    [entry] = procedures.read_procedure_list(path, "csv")
    assert entry.versions[0].steps == ()


@pytest.mark.parametrize(("word", "level"), [
    ("commune", "commune"), ("Cấp xã", "commune"), ("XÃ", "commune"), ("tỉnh", "province"),
    ("Cấp Huyện", "district"), ("Bộ", "central"), ("trung ương", "central")])
def test_dossiers_catalog_levels_accept_the_vietnamese_words(word, level):
    assert procedure_list.parse_level(word) == level


# -- version rules ---------------------------------------------------------------------------------

def version(number: int, start: date):
    return SimpleNamespace(version=number, effective_from=start)


def test_dossiers_the_version_in_force_is_the_latest_started_on_or_before_the_day():
    versions = [version(1, date(2025, 1, 1)), version(2, date(2026, 7, 1))]
    assert in_force(versions, date(2024, 12, 31)) is None
    assert in_force(versions, date(2025, 1, 1)).version == 1
    assert in_force(versions, date(2026, 6, 30)).version == 1
    assert in_force(versions, date(2026, 7, 1)).version == 2


def test_dossiers_a_new_version_never_changes_a_day_already_judged():
    starts = [date(2025, 1, 1)]
    assert procedure_rules.new_version_errors(date(2026, 7, 1), starts, last_received_on=date(2026, 6, 30)) == []
    [before_latest] = procedure_rules.new_version_errors(date(2025, 1, 1), starts, last_received_on=None)
    assert "after 2025-01-01" in before_latest
    [received] = procedure_rules.new_version_errors(date(2026, 6, 30), starts, last_received_on=date(2026, 6, 30))
    assert "received on 2026-06-30" in received and "2026-07-01 at the earliest" in received


def test_dossiers_step_performer_is_kept_and_bounded():
    plan = check_procedure("1.000001", Decimal("1"), [
        {"key": "receive", "name": "Tiếp nhận", "days": Decimal("1"), "performer": " Bộ phận một cửa "}])
    assert plan[0].performer == "Bộ phận một cửa"
    with pytest.raises(InvalidInput) as exc:
        check_procedure("1.000001", Decimal("1"), [
            {"key": "receive", "name": "Tiếp nhận", "days": Decimal("1"), "performer": "x" * 201}])
    assert "performer is longer than 200" in exc.value.errors["steps"][0]


# -- the shipped list against the law ---------------------------------------------------------------------

@pytest.mark.parametrize(("code", "days"), [
    ("1.003197", "5"),        # xóa đăng ký thường trú (Luật Cư trú 2020; Nghị định 154/2024/NĐ-CP)
    ("1.010028", "2"),        # xóa đăng ký tạm trú
    ("1.013225", "20"),       # giấy phép xây dựng mới, công trình cấp III, IV (Luật Xây dựng, Điều 102)
    ("1.013225-NORL", "15"),  # giấy phép xây dựng mới, nhà ở riêng lẻ
    ("1.001193", "0"),        # khai sinh: ngay trong ngày (Luật Hộ tịch 2014, Điều 16)
    ("1.000656", "0"),        # khai tử: ngay trong ngày
    ("1.000894", "0"),        # kết hôn không phải xác minh: ngay trong ngày
    ("2.000635", "0"),        # bản sao trích lục hộ tịch: ngay trong ngày
])
def test_dossiers_shipped_processing_times_are_those_of_the_announcing_law(code, days):
    """Processing times are the procedure's own, from the law and the announcing decision: deleting a permanent
    residence 5 working days, a temporary one 2 (Law on Residence 2020; Decree 154/2024/ND-CP); a new building
    permit 20 days for grade III/IV works and 15 for detached houses (Construction Law 2014 art. 102 as amended
    2020); civil-status registrations without verification the same working day (Law on Civil Status 2014)."""
    by_code = {entry.code: entry for entry in procedures.read_procedure_list(procedures.SAMPLE_LIST)}
    [terms] = by_code[code].versions
    assert terms.processing_days == Decimal(days)
    assert terms.legal_basis and terms.legal_basis_verified is not None


def test_dossiers_every_shipped_row_says_whether_its_legal_basis_was_verified():
    """Each row names its legal basis; where it could not be checked against the current decrees it says so
    (legal_basis_verified false) instead of guessing; replaced decrees (62/2021, 01/2021) are not cited alone."""
    entries = procedures.read_procedure_list(procedures.SAMPLE_LIST)
    for entry in entries:
        [terms] = entry.versions
        assert terms.legal_basis_verified in (True, False), entry.code
        for replaced, successor in (("62/2021", "154/2024"), ("01/2021", "168/2025")):
            if replaced in terms.legal_basis:
                assert successor in terms.legal_basis, entry.code


def test_dossiers_csv_reads_whether_the_legal_basis_was_verified():
    entries = procedure_list.parse_csv(
        HEADER.replace(",legal_basis_verified", "") + ",legal_basis_verified\n"
        "1.001193,Thủ tục đăng ký khai sinh,xã,Hộ tịch,,0,,,Luật Hộ tịch 2014,receive,Tiếp nhận,0,,không\n")
    assert entries[0].versions[0].legal_basis_verified is False
    assert entries[0].versions[0].processing_days == 0
