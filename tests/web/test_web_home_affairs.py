"""Home Affairs works in a browser: the demo's inspector (Sở Nội vụ) signs in, opens the workspace and the
proposals, takes an open proposal through its procedure (review meeting, council, recommendation, decision)
from the timeline's forms, sees the decision marked on the timeline, then the official's eligibility page says
he may not be appointed and why (the decision, its form, until when); the audit chain is verified intact.
Debian's chromium driven by Playwright; each page checked with axe-core and at 390 px wide, screenshots kept
under var/test-artifacts/web/."""

from __future__ import annotations

from datetime import datetime, timedelta

from web_support import browser, check_page, demo, sign_in_as  # noqa: F401  (fixtures)

from services.discipline.domain.procedure import add_months
from shared.web.schemas import LOCAL_TZ

INSPECTOR_NAME = "Nguyễn Thị Minh Châu"  # CB-SNV-21, Sở Nội vụ (kycuong/demo/people.py)
COUNCIL = ["CB-W070-01", "CB-W070-11", "CB-W070-13", "CB-SNV-21"]


def test_home_affairs_moves_a_proposal_to_a_decision_and_eligibility_says_why_not(demo, browser):
    base, _, _ = demo
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in_as(page, base, INSPECTOR_NAME, "/discipline/inspector")
    assert page.get_by_role("heading", level=1).inner_text() == "Bàn làm việc Sở Nội vụ"
    navigation = page.get_by_role("navigation", name="Điều hướng chính")
    assert navigation.get_by_role("link", name="Đề xuất kỷ luật").is_visible()
    check_page(page, "home-affairs-workspace")

    navigation.get_by_role("link", name="Đề xuất kỷ luật").click()
    page.wait_for_url(f"{base}/discipline/proposals")
    check_page(page, "home-affairs-proposals")
    row = page.locator("tbody tr").filter(has_text="Đã đề xuất").first
    official = row.locator('td[data-label="Cán bộ"]').inner_text().strip()
    code = row.locator('td[data-label="Mã đề xuất"]').inner_text().strip()
    row.get_by_role("link", name=code).click()
    page.wait_for_url(f"{base}/discipline/proposals/{code}")
    assert "90 ngày kể từ khi phát hiện vi phạm" in page.locator("#handling-limit").inner_text()
    check_page(page, "home-affairs-proposal-open")

    # A council of two is refused: the error summary links to the field, nothing is recorded.
    page.get_by_role("button", name="Ghi nhận: Họp kiểm điểm").click()
    page.wait_for_url(f"{base}/discipline/proposals/{code}")
    assert page.get_by_role("status").inner_text().startswith("Đã ghi nhận họp kiểm điểm")
    members = [m for m in COUNCIL if m != official][:3]
    page.get_by_label("Thành viên 1").fill(members[0])
    page.get_by_label("Thành viên 2").fill(members[1])
    page.get_by_role("button", name="Ghi nhận: Thành lập Hội đồng kỷ luật").click()
    summary = page.locator(".error-summary")
    assert summary.is_visible() and summary.get_by_role("link").first.get_attribute("href") == "#member_1"
    check_page(page, "home-affairs-proposal-error")
    page.get_by_label("Thành viên 3").fill(members[2])
    page.get_by_role("button", name="Ghi nhận: Thành lập Hội đồng kỷ luật").click()
    page.wait_for_url(f"{base}/discipline/proposals/{code}")
    page.get_by_label("Hình thức kỷ luật").select_option("khien_trach")
    page.get_by_role("button", name="Ghi nhận: Hội đồng kiến nghị hình thức kỷ luật").click()
    page.wait_for_url(f"{base}/discipline/proposals/{code}")
    page.get_by_label("Hình thức kỷ luật").select_option("khien_trach")
    page.get_by_role("button", name="Ghi nhận: Quyết định kỷ luật").click()
    page.wait_for_url(f"{base}/discipline/proposals/{code}")
    assert page.get_by_role("status").inner_text().startswith("Đã ghi nhận quyết định kỷ luật")

    # The timeline marks every step done, the decision last; there is nothing more to record.
    steps = page.locator("ol.timeline > li")
    assert steps.count() == 4
    assert page.locator("ol.timeline > li.timeline__step--done").count() == 4
    assert "Quyết định kỷ luật" in steps.nth(3).inner_text() and "Đã thực hiện" in steps.nth(3).inner_text()
    today = datetime.now(LOCAL_TZ).date()
    last_day = (add_months(today, 12) - timedelta(days=1)).strftime("%d/%m/%Y")  # in force 12 months
    assert f"đến hết ngày {last_day}" in page.locator("#decision").inner_text()
    assert page.get_by_role("button", name="Ghi nhận: Quyết định kỷ luật").count() == 0
    check_page(page, "home-affairs-proposal-decided")

    # The official's eligibility on today's date: not to be appointed, and why.
    page.goto(f"{base}/discipline/eligibility")
    page.get_by_label("Mã cán bộ").fill(official)
    page.get_by_label("Ngày").fill(today.strftime("%d/%m/%Y"))
    page.get_by_role("button", name="Tra cứu").click()
    answer = page.locator("section.answer")
    assert "Chưa được bổ nhiệm" in answer.inner_text()
    reasons = answer.locator("ul.reasons").inner_text()
    assert "khiển trách" in reasons and last_day in reasons
    check_page(page, "home-affairs-eligibility")

    # The audit chain: verified intact.
    page.goto(f"{base}/discipline/audit")
    check_page(page, "home-affairs-audit")
    page.get_by_role("button", name="Kiểm tra tính toàn vẹn").click()
    page.wait_for_url(f"{base}/discipline/audit")
    assert page.get_by_role("status").inner_text().startswith("Chuỗi nhật ký toàn vẹn")
    page.close()


def test_home_affairs_records_an_inspection_finding_as_a_violation(demo, browser):
    base, _, _ = demo
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in_as(page, base, INSPECTOR_NAME, "/discipline/inspections")
    check_page(page, "home-affairs-inspections")
    page.get_by_label("Mã đơn vị được kiểm tra").fill("W00070")
    page.get_by_label("Hình thức kiểm tra").select_option("periodic")
    page.get_by_label("Ngày kiểm tra").fill(datetime.now(LOCAL_TZ).strftime("%d/%m/%Y"))
    page.get_by_label("Đoàn kiểm tra").fill("Nguyễn Thị Minh Châu\nLê Quang Trung")
    page.get_by_role("button", name="Ghi nhận cuộc kiểm tra").click()
    page.wait_for_url(f"{base}/discipline/inspections/KT-*")
    assert page.get_by_text("Chưa có phát hiện nào").is_visible()
    page.get_by_label("Loại phát hiện").select_option("conduct")
    page.get_by_label("Cán bộ vi phạm (mã cán bộ)").fill("CB-W070-13")
    page.get_by_label("Sự việc").fill("Không đeo thẻ công chức khi tiếp công dân tại Bộ phận một cửa")
    page.get_by_role("button", name="Thêm phát hiện, ghi nhận vi phạm").click()
    assert page.get_by_role("status").inner_text().startswith("Đã thêm phát hiện")
    finding = page.locator("tbody tr").first
    assert "CB-W070-13" in finding.inner_text() and "VP-" in finding.inner_text()
    check_page(page, "home-affairs-inspection")
    page.goto(f"{base}/discipline/violations?unit=W00070")
    assert "Không đeo thẻ công chức" in page.locator("tbody").inner_text()
    check_page(page, "home-affairs-violations")
    page.close()
