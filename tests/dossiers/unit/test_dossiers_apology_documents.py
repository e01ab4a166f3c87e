"""The apology to the citizen (Circular 01/2018/TT-VPCP form) as PDF and DOCX, opened and read back.

pdfminer and pypdf are not installed: the PDF is checked for what can be read without them (a valid PDF of
one A4 page whose embedded font covers every Vietnamese letter of the text), and its words are checked in
the HTML it is printed from. The DOCX is read back with python-docx, paragraph by paragraph.
"""

from __future__ import annotations

import dataclasses
import io
import re
import unicodedata
import zlib
from datetime import UTC, date, datetime, timedelta, timezone

import docx
import pytest

from services.dossiers.documents import (
    ApologyLetter,
    date_words,
    render_apology_docx,
    render_apology_html,
    render_apology_pdf,
)

HANOI = timezone(timedelta(hours=7))

LETTER = ApologyLetter(
    agency_name="Ủy ban nhân dân phường Hoàn Kiếm",
    parent_agency_name="Ủy ban nhân dân thành phố Hà Nội",
    place="Hà Nội",
    issued_on=date(2026, 11, 24),
    dossier_code="HS-202611-000123",
    applicant_name="Nguyễn Thị Hạnh",
    procedure_name="Thủ tục cấp Giấy xác nhận tình trạng hôn nhân",
    received_at=datetime(2026, 11, 16, 9, 0, tzinfo=HANOI),
    previous_due_at=datetime(2026, 11, 25, 17, 0, tzinfo=HANOI),
    # Sent in UTC: the letter must still say 10 giờ 30 in Hà Nội.
    new_due_at=datetime(2026, 11, 27, 3, 30, tzinfo=UTC),
    reason="Hồ sơ cần xác minh thêm tại nơi cư trú trước đây của người yêu cầu",
    signer_name="Trần Văn Bình",
    number="15/PXL-UBND",
)

EXPECTED_BODY = [
    "Ngày 16 tháng 11 năm 2026, Ủy ban nhân dân phường Hoàn Kiếm tiếp nhận giải quyết hồ sơ đề nghị giải quyết "
    "thủ tục hành chính cấp Giấy xác nhận tình trạng hôn nhân của Ông/Bà.",
    "Mã số hồ sơ: HS-202611-000123.",
    "Thời gian hẹn trả kết quả giải quyết hồ sơ: 17 giờ 00, ngày 25 tháng 11 năm 2026.",
    "Tuy nhiên đến nay, Ủy ban nhân dân phường Hoàn Kiếm chưa trả kết quả giải quyết hồ sơ của Ông/Bà đúng thời "
    "hạn quy định ghi trên Giấy tiếp nhận hồ sơ và hẹn trả kết quả.",
    "Lý do: Hồ sơ cần xác minh thêm tại nơi cư trú trước đây của người yêu cầu.",
    "Sự chậm trễ này đã gây phiền hà cho Ông/Bà. Ủy ban nhân dân phường Hoàn Kiếm xin lỗi Ông/Bà và hẹn lại "
    "thời gian trả kết quả vào 10 giờ 30, ngày 27 tháng 11 năm 2026.",
    "Mong nhận được sự thông cảm của Ông/Bà vì sự chậm trễ này.",
]


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


# -- DOCX ------------------------------------------------------------------------------------------

def test_dossiers_apology_docx_reads_back_in_the_official_layout():
    document = docx.Document(io.BytesIO(render_apology_docx(LETTER)))
    header, signature = document.tables
    issuer, motto = ([p.text for p in cell.paragraphs if p.text] for cell in header.rows[0].cells)
    assert issuer == ["ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI", "ỦY BAN NHÂN DÂN PHƯỜNG HOÀN KIẾM", "Số: 15/PXL-UBND"]
    assert motto == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                     "Hà Nội, ngày 24 tháng 11 năm 2026"]
    agency_run = header.rows[0].cells[0].paragraphs[1].runs[0]
    dated_run = header.rows[0].cells[1].paragraphs[-1].runs[0]
    assert agency_run.bold and dated_run.italic
    assert [p.text for p in signature.rows[0].cells[1].paragraphs] == [
        "THỦ TRƯỞNG CƠ QUAN", "(Ký, ghi rõ họ tên, đóng dấu)", "Trần Văn Bình"]

    paragraphs = [p.text for p in document.paragraphs if p.text]
    assert paragraphs == ["PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ", "Kính gửi: Nguyễn Thị Hạnh", *EXPECTED_BODY]
    assert all(unicodedata.is_normalized("NFC", text) for text in paragraphs)


def test_dossiers_apology_text_typed_in_decomposed_unicode_comes_out_composed():
    # Vietnamese keyboards on some systems type "ạ" as "a" + a combining dot: the letter prints it composed.
    decomposed = unicodedata.normalize("NFD", "Nguyễn Thị Hạnh")
    letter = ApologyLetter(**{**LETTER.__dict__, "applicant_name": decomposed})
    document = docx.Document(io.BytesIO(render_apology_docx(letter)))
    assert "Kính gửi: Nguyễn Thị Hạnh" in [p.text for p in document.paragraphs]


@pytest.mark.parametrize(("day", "words"), [
    (date(2026, 2, 5), "ngày 05 tháng 02 năm 2026"),
    (date(2026, 1, 31), "ngày 31 tháng 01 năm 2026"),
    (date(2026, 3, 9), "ngày 09 tháng 3 năm 2026"),
    (date(2026, 12, 10), "ngày 10 tháng 12 năm 2026"),
])
def test_dossiers_apology_dates_follow_the_administrative_style(day, words):
    assert date_words(day) == words


# -- HTML and PDF ----------------------------------------------------------------------------------

def test_dossiers_apology_html_says_the_same_words_and_escapes_what_people_typed():
    letter = ApologyLetter(**{**LETTER.__dict__, "reason": "Thiếu bản vẽ <b>mặt bằng</b> & sơ đồ"})
    html = render_apology_html(letter)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    for line in ["ỦY BAN NHÂN DÂN PHƯỜNG HOÀN KIẾM", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                 "Độc lập - Tự do - Hạnh phúc", "Hà Nội, ngày 24 tháng 11 năm 2026",
                 "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ", "THỦ TRƯỞNG CƠ QUAN",
                 *EXPECTED_BODY[:4], *EXPECTED_BODY[5:]]:
        assert nfc(line) in text
    assert "Lý do: Thiếu bản vẽ &lt;b&gt;mặt bằng&lt;/b&gt; &amp; sơ đồ." in html
    assert "<b>mặt bằng</b>" not in html


def _streams(pdf: bytes) -> list[bytes]:
    """Every Flate stream of the PDF, inflated (WeasyPrint compresses objects into object streams)."""
    inflated = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            inflated.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue  # the embedded font programs are compressed the same way; anything else is skipped
    return inflated


def test_dossiers_apology_pdf_is_one_a4_page_with_an_embedded_font_for_every_vietnamese_letter():
    pdf = render_apology_pdf(LETTER)
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    objects = b"\n".join(_streams(pdf))
    assert len(re.findall(rb"/Type\s*/Page\b", objects)) == 1
    assert re.search(rb"/MediaBox\s*\[\s*0 0 595\.\d+ 841\.\d+\s*\]", objects)
    fonts = set(re.findall(rb"/BaseFont\s*/[A-Z]{6}\+([A-Za-z-]+)", objects))
    # One family, the documents' own (shared.document_fonts): no letter falls back to another font.
    assert fonts == {b"TeX-Gyre-Termes", b"TeX-Gyre-Termes-Bold", b"TeX-Gyre-Termes-Italic"}
    assert len(re.findall(rb"/FontFile[23]?\b", objects)) == len(fonts)  # every font is embedded, not just named

    # The fonts' ToUnicode maps list the characters the page prints: every letter of the text is there.
    printable = set()
    for stream in _streams(pdf):
        if b"beginbfchar" in stream:
            printable |= {chr(int(code, 16)) for code in re.findall(rb"<[0-9a-f]{4}>\s*<([0-9a-f]{4,8})>", stream)}
    wanted = set("".join(EXPECTED_BODY) + "ỦY BAN NHÂN DÂN PHƯỜNG HOÀN KIẾM Độc lập - Tự do - Hạnh phúc"
                 + "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ Kính gửi: Nguyễn Thị Hạnh") - {" "}
    assert wanted - printable == set()


def test_dossiers_apology_draft_is_marked_and_leaves_the_heads_part_blank():
    """Decree 61/2018/ND-CP art. 19; Form 04 of Circular 01/2018/TT-VPCP: the platform prepares the letter, the
    unit's head issues and signs it. A draft says "Dự thảo", leaves the reason and the new date to fill in and
    carries no signature name; the issued letter carries no draft mark."""
    from dataclasses import replace

    draft = replace(LETTER, new_due_at=None, reason=None, draft=True)
    document = docx.Document(io.BytesIO(render_apology_docx(draft)))
    lines = [p.text for p in document.paragraphs]
    signature = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    assert "DỰ THẢO" in lines and any("Dự thảo do hệ thống chuẩn bị" in line for line in lines)
    assert "Lý do: ……" in lines
    assert any(line.endswith("hẹn lại thời gian trả kết quả vào …….") for line in lines)
    assert "Trần Văn Bình" not in signature
    assert "DỰ THẢO" in render_apology_html(draft)
    assert render_apology_pdf(draft).startswith(b"%PDF")
    issued = [p.text for p in docx.Document(io.BytesIO(render_apology_docx(LETTER))).paragraphs]
    assert "DỰ THẢO" not in issued and not any("Dự thảo" in line for line in issued)
    assert "DỰ THẢO" not in render_apology_html(LETTER)


def test_dossiers_apology_with_a_control_character_in_its_reason_still_writes_its_docx():
    """A reason stored with U+0006 (before the edges refused such characters, or from an external system)
    once made the letter a permanent error: what XML cannot hold is dropped, the words stay."""
    letter = dataclasses.replace(LETTER, reason="Hồ sơ cần xác minh\u0006 thêm thông tin",
                                 applicant_name="Nguyễn\x0b Thị Hạnh")
    document = docx.Document(io.BytesIO(render_apology_docx(letter)))
    text = " ".join(p.text for p in document.paragraphs)
    assert "Hồ sơ cần xác minh thêm thông tin" in text and "\u0006" not in text
    assert "Kính gửi: Nguyễn Thị Hạnh" in text
