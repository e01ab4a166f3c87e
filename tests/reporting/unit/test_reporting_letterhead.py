"""The report as an administrative document (Decree 30/2020/NĐ-CP, Phụ lục I): its issuing body under its
parent, its number, its place-and-date line. No database."""

from datetime import date

import pytest

from services.reporting.domain.letterhead import dated, letterhead, parent_name, place_name


def test_the_parent_body_is_the_peoples_committee_shortened_to_ubnd():
    assert parent_name("Thành phố Hà Nội") == "UBND THÀNH PHỐ HÀ NỘI"
    assert parent_name("Ủy ban nhân dân Tỉnh Bắc Ninh") == "UBND TỈNH BẮC NINH"
    assert parent_name("UBND Thành phố Hà Nội") == "UBND THÀNH PHỐ HÀ NỘI"
    assert parent_name(None) is None and parent_name("  ") is None


def test_the_place_is_the_province_or_citys_own_name():
    assert place_name("Thành phố Hà Nội") == "Hà Nội"
    assert place_name("Tỉnh Bắc Ninh") == "Bắc Ninh"
    assert place_name(None) is None


def test_days_below_ten_and_the_months_january_and_february_take_a_leading_zero():
    assert dated(date(2026, 3, 5), "Hà Nội") == "Hà Nội, ngày 05 tháng 3 năm 2026"
    assert dated(date(2026, 2, 14), "Hà Nội") == "Hà Nội, ngày 14 tháng 02 năm 2026"
    assert dated(date(2026, 11, 25), "Hà Nội") == "Hà Nội, ngày 25 tháng 11 năm 2026"
    assert dated(date(2026, 1, 1)) == "Ngày 01 tháng 01 năm 2026"


def test_the_letterhead_takes_the_provinces_policy_over_the_defaults():
    head = letterhead("Thành phố Hà Nội", 3, date(2026, 12, 1))
    assert (head.parent, head.agency, head.number_line) == ("UBND THÀNH PHỐ HÀ NỘI", "VĂN PHÒNG", "Số: 03/BC-VP")
    assert head.recipients[-1] == "Lưu: VT."
    own = letterhead("Thành phố Hà Nội", 12, date(2026, 12, 1), {
        "agency": "Trung tâm Phục vụ hành chính công", "symbol": "BC-TTPVHCC", "signer_authority": "GIÁM ĐỐC",
        "signer_title": None, "signer_name": "Nguyễn Văn An", "recipients": ["UBND Thành phố;", "Lưu: VT."]})
    assert (own.agency, own.number_line) == ("TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG", "Số: 12/BC-TTPVHCC")
    assert (own.signer_authority, own.signer_name, own.recipients) == (
        "GIÁM ĐỐC", "Nguyễn Văn An", ("UBND Thành phố;", "Lưu: VT."))
    with pytest.raises(ValueError):
        letterhead("Thành phố Hà Nội", 0, date(2026, 12, 1))
