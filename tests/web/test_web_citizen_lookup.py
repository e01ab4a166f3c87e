"""A citizen on a phone (390 × 844) looks up a late demo dossier with the secret printed on its receipt,
reads its status and steps, and downloads the unit's apology letter; a wrong secret shows nothing."""

from __future__ import annotations

import re
import subprocess
from datetime import UTC, datetime

import requests
from web_support import browser, check_page, demo

from shared.auth import mint_token
from shared.settings import DEV_JWT_SECRET

LATE_WITH_APOLOGY = "HS-DEMO-0111"  # the demo's dossier whose unit apologised, then broke its promise


def test_a_citizen_looks_up_a_late_dossier_with_its_receipt_and_downloads_the_apology(demo, browser, tmp_path):
    look_up_a_late_dossier(browser, demo[0], tmp_path)


def look_up_a_late_dossier(browser, base: str, tmp_path, shots: str = "citizen") -> None:
    """The whole look-up on the platform at `base` (the demo itself, or the gateway in front of it)."""
    admin = {"Authorization": "Bearer " + mint_token(DEV_JWT_SECRET, sub="web-test", unit=None, roles=["admin"],
                                                     now=datetime.now(UTC))}
    unit = requests.get(f"{base}/dossiers/api/v1/dossiers/{LATE_WITH_APOLOGY}", headers=admin, timeout=5).json()["unit"]
    desk = {"Authorization": "Bearer " + mint_token(DEV_JWT_SECRET, sub="web-test-desk", unit=unit,
                                                    roles=["officer"], now=datetime.now(UTC))}
    receipt = requests.get(f"{base}/dossiers/workbench/{LATE_WITH_APOLOGY}/receipt.pdf", headers=desk, timeout=30)
    assert receipt.status_code == 200
    (tmp_path / "receipt.pdf").write_bytes(receipt.content)
    printed = subprocess.run(["pdftotext", "-enc", "UTF-8", str(tmp_path / "receipt.pdf"), "-"], check=True,
                             capture_output=True, text=True).stdout
    secret = re.search(r"\b([2-9A-HJKMNP-Z]{8})\b", printed.split("Hẹn trả kết quả")[-1]).group(1)

    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(f"{base}/")
    page.get_by_role("link", name="Tra cứu hồ sơ").click()
    page.get_by_label("Mã hồ sơ").fill(LATE_WITH_APOLOGY)
    page.get_by_label("Mã bí mật").fill("ABCDEFGH")
    page.get_by_role("button", name="Tra cứu").click()
    assert "Không tìm thấy hồ sơ" in page.locator(".error-summary").inner_text()
    assert "Tình trạng" not in page.inner_text("main")
    check_page(page, f"{shots}-lookup-refused")
    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_label("Mã bí mật").fill(secret)
    page.get_by_role("button", name="Tra cứu").click()
    main = page.inner_text("main")
    assert "quá hạn" in main and "Ngày hẹn lại" in main
    check_page(page, f"{shots}-lookup-late")
    page.set_viewport_size({"width": 390, "height": 844})
    with page.expect_download() as download:
        page.get_by_role("button", name="Tải thư xin lỗi của cơ quan (PDF)").click()
    letter = tmp_path / "thu-xin-loi.pdf"
    download.value.save_as(letter)
    words = subprocess.run(["pdftotext", "-enc", "UTF-8", str(letter), "-"], check=True, capture_output=True,
                           text=True).stdout
    assert "PHIẾU XIN LỖI" in words and LATE_WITH_APOLOGY in words
    page.close()
