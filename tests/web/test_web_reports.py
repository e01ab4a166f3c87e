"""The Office's reports library in a browser: the demo's office official signs in, downloads the issued monthly
report as XLSX and as PDF and opens both (openpyxl, pdftotext); issuing it again without a reason is refused
with the field named and nothing issued; with a reason it becomes version 2, the first kept beside it."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime

import requests
from conftest import wait_until
from openpyxl import load_workbook
from web_support import browser, check_page, demo, sign_in_as

from kycuong.demo.people import OFFICE_OFFICIAL
from shared.auth import mint_token
from shared.settings import DEV_JWT_SECRET

OFFICE_NAME = OFFICE_OFFICIAL[1]


def test_the_office_downloads_a_monthly_report_and_issues_it_again_with_a_reason(demo, browser, tmp_path):
    base, _, _ = demo
    admin = {"Authorization": "Bearer " + mint_token(DEV_JWT_SECRET, sub="web-test", unit=None, roles=["admin"],
                                                     now=datetime.now(UTC))}
    # The demo issues last month's report once its dossiers have reached reporting (a quiet minute).
    wait_until(lambda: requests.get(f"{base}/reporting/api/v1/reports?kind=monthly", headers=admin,
                                    timeout=5).json()["items"],
               timeout=300, interval=2, message="the demo's monthly report issued")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in_as(page, base, OFFICE_NAME, "/reporting/reports")
    assert page.get_by_role("heading", level=1).inner_text() == "Báo cáo định kỳ"
    page.get_by_label("Loại báo cáo").first.select_option("monthly")
    page.get_by_role("button", name="Xem").click()
    row = page.locator("tbody tr").first
    code = row.locator("td").first.locator("strong").inner_text()
    period = code.removeprefix("BC-")  # BC-2026-11: the report of November 2026
    check_page(page, "office-reports")
    page.set_viewport_size({"width": 1280, "height": 900})

    with page.expect_download() as xlsx:
        row.get_by_role("link", name="XLSX").click()
    workbook_path = tmp_path / "report.xlsx"
    xlsx.value.save_as(workbook_path)
    sheet = load_workbook(workbook_path).worksheets[0]
    cells = " ".join(str(c.value) for r in sheet.iter_rows() for c in r if c.value is not None)
    assert "UBND" in cells or "ỦY BAN" in cells.upper(), cells[:500]
    assert sheet.freeze_panes is not None  # the header rows stay on screen

    with page.expect_download() as pdf:
        row.get_by_role("link", name="PDF").click()
    pdf_path = tmp_path / "report.pdf"
    pdf.value.save_as(pdf_path)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf_path), "-"], check=True, capture_output=True,
                          text=True).stdout
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "Nơi nhận" in text

    # Again without a reason: refused, the reason field named, no second version.
    versions = page.locator("tbody tr").count()
    page.locator("#kind-issue").select_option("monthly")
    page.get_by_label("Kỳ", exact=True).last.fill(period)
    page.get_by_label("Ban hành lại (phiên bản mới)").check()
    page.get_by_role("button", name="Ban hành", exact=True).click()
    summary = page.locator(".error-summary")
    assert summary.is_visible() and summary.get_by_role("link").first.get_attribute("href") == "#reason"
    check_page(page, "office-reports-reason-missing")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_label("Lý do ban hành lại").fill("Bổ sung số liệu hồ sơ của phường chuyển về muộn")
    page.get_by_role("button", name="Ban hành", exact=True).click()
    page.wait_for_url(f"{base}/reporting/reports")
    assert "phiên bản 2" in page.get_by_role("status").inner_text()
    page.goto(f"{base}/reporting/reports?kind=monthly&period={period}")
    rows = page.locator("tbody tr")
    assert rows.count() == 2 and versions >= 1
    assert "Bổ sung số liệu hồ sơ của phường chuyển về muộn" in rows.first.inner_text()
    page.close()
