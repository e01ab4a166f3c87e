"""The Office of the People's Committee in a browser, on the embedded demo: it registers a directing document
(first with nothing filled in: the error summary, nothing saved), assigns two tasks from it to two units with
a deadline inside the current week (first without a title: the error summary, nothing saved; then the answers
to check before confirming), finds both on
the Monday list of tasks due and not reported, and opens one; the leader's summary counts them. Every page is
checked with axe-core and at 390 px (check_page)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests
from test_web_tasks import bearer, submit
from web_support import browser, check_page, demo, sign_in_as  # noqa: F401  (fixtures)

from kycuong.demo.people import OFFICE_OFFICIAL

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
NUMBER = "15/CT-UBND"
TASKS = [("HN-STP", "Sở Tư pháp", "Rà soát, công khai quy trình nội bộ giải quyết thủ tục lý lịch tư pháp"),
         ("HN-SXD", "Sở Xây dựng", "Báo cáo hồ sơ cấp phép xây dựng quá hạn, làm rõ trách nhiệm từng cán bộ")]


def last_day_of_this_week():
    """Sunday of the current week (Hà Nội time): a deadline at 17:00 that day falls inside the Monday list's
    window (deadline before next Monday, domain.due_but_unreported). None late on Sunday, when no deadline of
    this week is still ahead."""
    now = datetime.now(HANOI)
    sunday = now.date() + timedelta(days=6 - now.weekday())
    return sunday if now < datetime.combine(sunday, time(16, 0), tzinfo=HANOI) else None


def api(base: str, path: str):
    return requests.get(f"{base}/tasks/api/v1{path}", headers=bearer("web-test", None, "admin"), timeout=10)


def test_the_office_assigns_tasks_from_a_directive_and_finds_them_on_the_monday_list(demo, browser):
    base, _, _ = demo
    sunday = last_day_of_this_week()
    if sunday is None:
        pytest.skip("late on Sunday no deadline of this week is still ahead to assign")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in_as(page, base, OFFICE_OFFICIAL[1], "/tasks/directives")
    assert page.get_by_role("heading", level=1).inner_text() == "Văn bản chỉ đạo"
    assert "01/CT-UBND" in page.locator("table").inner_text()  # the demo's directive
    check_page(page, "office-directives")

    page.get_by_role("link", name="Đăng ký văn bản chỉ đạo").first.click()
    page.wait_for_url(f"{base}/tasks/directives/new")
    check_page(page, "office-directive-new")
    page.fill("#number_symbol", NUMBER)
    assert submit(page, "Đăng ký văn bản") == 422
    summary = page.get_by_role("alert")
    assert summary.get_by_role("link", name="Nhập người ký (ít nhất 2 ký tự)").get_attribute("href") == "#signer"
    assert page.input_value("#number_symbol") == NUMBER  # what was typed is kept
    check_page(page, "office-directive-new-error")
    assert api(base, f"/directives/{NUMBER}").status_code == 404

    page.fill("#issued_on", datetime.now(HANOI).date().isoformat())
    page.fill("#signer", "Chủ tịch UBND Thành phố")
    page.fill("#summary", "Chấn chỉnh việc giải quyết hồ sơ quá hạn và trách nhiệm người đứng đầu")
    submit(page, "Đăng ký văn bản")
    assert page.url == f"{base}/tasks/directives/{NUMBER}"
    assert page.get_by_role("status").inner_text() == f"Đã đăng ký văn bản {NUMBER}."

    for index, (unit, name, title) in enumerate(TASKS):
        page.get_by_role("link", name="Giao nhiệm vụ").click()
        page.wait_for_url(f"{base}/tasks/directives/{NUMBER}/assign")
        page.select_option("#lead_unit", unit)
        page.select_option("#co_units", ["HN-SNV"])
        page.fill("#due_date", sunday.isoformat())
        page.fill("#required_product", "Báo cáo kết quả gửi Văn phòng UBND")
        if index == 0:  # without a title: the error summary, nothing saved, the choices kept
            check_page(page, "office-assign")
            assert submit(page, "Tiếp tục") == 422
            assert page.get_by_role("alert").get_by_role(
                "link", name="Nhập tên nhiệm vụ (ít nhất 3 ký tự)").get_attribute("href") == "#title"
            assert page.input_value("#lead_unit") == unit and page.input_value("#due_date") == sunday.isoformat()
            check_page(page, "office-assign-error")
            assert api(base, f"/tasks?document={NUMBER}").json()["total"] == 0
        page.fill("#title", title)
        submit(page, "Tiếp tục")  # the answers to check; nothing assigned yet
        assert page.get_by_role("heading", level=1).inner_text() == "Kiểm tra trước khi giao nhiệm vụ"
        assert title in page.locator(".summary-list").inner_text()
        if index == 0:
            check_page(page, "office-assign-check")
            assert api(base, f"/tasks?document={NUMBER}").json()["total"] == 0
        submit(page, "Xác nhận giao nhiệm vụ")
        assert page.url == f"{base}/tasks/directives/{NUMBER}"
        assert page.get_by_role("status").inner_text().endswith(f"cho {name}.")

    table = page.locator("table", has_text="Đơn vị chủ trì").inner_text()
    assert all(title in table for _, _, title in TASKS)
    assert f"{sunday:%d/%m/%Y} 17:00" in table and "Chưa bắt đầu" in table and "Chưa báo cáo" in table
    check_page(page, "office-directive")

    page.get_by_role("navigation", name="Điều hướng chính").get_by_role("link", name="Danh sách thứ Hai").click()
    page.wait_for_url(f"{base}/tasks/monday")
    monday = page.locator("main").inner_text()
    assert all(title in page.locator("h2", has_text=name).locator("+ .table-wrap").inner_text()
               for _, name, title in TASKS)  # each under its lead unit
    assert f"{sunday:%d/%m/%Y}" in monday
    check_page(page, "office-monday")

    page.get_by_role("link", name=TASKS[0][2]).click()
    page.wait_for_url(f"{base}/tasks/workbench/*")
    assert page.get_by_role("heading", level=1).inner_text() == TASKS[0][2]
    assert NUMBER in page.locator(".summary-list").inner_text()
    check_page(page, "office-task")

    page.goto(f"{base}/tasks/leaders/{OFFICE_OFFICIAL[0]}")
    row = page.locator("tr", has_text=NUMBER).inner_text()
    assert "\t2\t" in row  # two tasks of the directive
    check_page(page, "office-leader")
    page.goto(f"{base}/tasks/directives?lang=en")
    assert page.get_by_role("heading", level=1).inner_text() == "Directing documents"
    page.close()
