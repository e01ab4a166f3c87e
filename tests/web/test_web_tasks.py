"""Tasks in a browser, on the embedded demo: an official of a department opens her tasks, reports progress on
the task her Director assigned her and asks for an extension (first without a reason: the error summary, and
nothing is recorded); the Director sees the request on her unit's page and approves it with a reason; the task
page shows the decision and the new deadline. Each page is checked with axe-core and at 390 px (check_page)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import requests
from conftest import wait_until
from web_support import browser, check_page, demo, sign_in_as  # noqa: F401  (fixtures)

from kycuong.demo.people import STAFFED
from shared.auth import mint_token
from shared.settings import DEV_JWT_SECRET

TITLE = "Rà soát hồ sơ cấp phiếu lý lịch tư pháp quá hạn, báo cáo Giám đốc"


def bearer(sub: str, unit: str | None, *roles: str) -> dict:
    return {"Authorization": "Bearer " + mint_token(DEV_JWT_SECRET, sub=sub, unit=unit, roles=list(roles),
                                                     now=datetime.now(UTC))}


def a_unit_with_a_demo_task(base: str):
    """A staffed demo unit that leads a demo task with its deadline ahead, its head and one official."""
    found = requests.get(f"{base}/tasks/api/v1/tasks?document=01/CT-UBND&page_size=100",
                         headers=bearer("web-test", None, "admin"), timeout=10).json()["items"]
    staffed = {unit: (head, officials) for unit, head, officials, _ in STAFFED}
    later = datetime.now(UTC) + timedelta(days=1)  # not the one due seconds after start
    task = next(t for t in found if t["lead_unit"] in staffed and not t["series"] and t["completed_at"] is None
                and datetime.fromisoformat(t["due_at"]) > later)
    head, officials = staffed[task["lead_unit"]]
    return task, head, officials[-1]


def test_an_officer_reports_progress_and_asks_for_an_extension_her_head_approves(demo, browser):
    base, _, _ = demo
    demo_task, (head_code, head_name, _), (officer_code, officer_name) = a_unit_with_a_demo_task(base)
    unit = demo_task["lead_unit"]
    due = (datetime.now(UTC) + timedelta(days=10)).replace(microsecond=0)

    def assigned():  # the directory reaches the tasks service by events, shortly after start
        answer = requests.post(f"{base}/tasks/api/v1/tasks", headers=bearer(head_code, unit, "head"), timeout=10,
                               json={"title": TITLE, "lead_unit": unit, "assignee": officer_code,
                                     "due_at": due.isoformat(), "document": "01/CT-UBND"})
        return answer.json() if answer.status_code == 201 else None

    task = wait_until(assigned, timeout=60, interval=0.5, message="the head assigns a task to her official")
    code = task["code"]

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in_as(page, base, officer_name, "/tasks/workbench")
    assert page.get_by_role("heading", level=1).inner_text() == "Nhiệm vụ của tôi"
    row = page.locator("tbody tr", has_text=TITLE)
    assert "Giao cho bạn" in row.inner_text() and "Chưa bắt đầu" in row.inner_text()
    assert page.locator("tbody tr", has_text=demo_task["title"]).count() == 1  # the unit's demo task too
    check_page(page, "tasks-workbench")

    row.get_by_role("link", name=TITLE).click()
    page.wait_for_url(f"{base}/tasks/workbench/{code}")
    assert page.get_by_role("heading", level=1).inner_text() == TITLE
    page.fill("#progress_percent", "40")
    page.fill("#progress_text", "Đã rà soát 40 hồ sơ, đang tổng hợp nguyên nhân")
    submit(page, "Gửi báo cáo tiến độ")
    assert page.get_by_role("status").inner_text() == "Đã ghi nhận báo cáo tiến độ 40%."
    assert "Đã rà soát 40 hồ sơ" in page.locator("table", has_text="Tỉ lệ").inner_text()

    # An extension request without a reason: the error summary, nothing recorded.
    new_day = (due + timedelta(days=7)).astimezone(UTC).date()
    page.fill("#extension_date", new_day.isoformat())
    assert submit(page, "Gửi đề nghị gia hạn") == 422
    summary = page.get_by_role("alert")
    assert "Có lỗi cần sửa" in summary.inner_text()
    assert summary.get_by_role("link", name="Nêu lý do đề nghị gia hạn (ít nhất 3 ký tự)").get_attribute(
        "href") == "#extension_reason"
    assert page.input_value("#extension_date") == new_day.isoformat()  # what she typed is kept
    check_page(page, "task-extension-error")
    assert read(base, code)["extensions"] == []

    page.fill("#extension_reason", "Chờ số liệu của 126 phường, xã gửi về")
    submit(page, "Gửi đề nghị gia hạn")
    assert page.get_by_role("status").inner_text().startswith("Đã gửi đề nghị gia hạn")
    assert "Chờ quyết định" in page.locator("#extensions + .table-wrap").inner_text()
    check_page(page, "task-page")

    head = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in_as(head, base, head_name, "/tasks/unit")
    request = head.locator("li.card", has_text=TITLE)
    assert "Chờ số liệu của 126 phường, xã gửi về" in request.inner_text()
    check_page(head, "tasks-unit")
    request.get_by_label("Ý kiến, lý do").fill("Đồng ý; báo cáo trước hạn mới")
    submit(request, "Đồng ý gia hạn", head)
    assert head.url == f"{base}/tasks/unit"
    assert head.get_by_role("status").inner_text() == f"Đã đồng ý gia hạn nhiệm vụ {code}."
    assert head.locator("li.card", has_text=TITLE).count() == 0

    page.reload()
    decision = page.locator("#extensions + .table-wrap").inner_text()
    assert "Đồng ý" in decision and "Đồng ý; báo cáo trước hạn mới" in decision and head_code in decision
    assert f"{new_day:%d/%m/%Y} 17:00" in page.locator(".summary-list").inner_text()
    assert read(base, code)["due_at"].startswith(new_day.isoformat())
    head.close()
    page.close()


def submit(where, button: str, page=None) -> int:
    """Press a form's button and wait for the page it leads to; the status of the page shown (after a
    redirect, the page redirected to)."""
    page = page or where
    with page.expect_navigation() as navigation:
        where.get_by_role("button", name=button).click()
    status = navigation.value.status
    if status not in (200, 422):
        raise AssertionError(f"{button}: {status} {page.locator('main').inner_text()[:1500]}")
    return status


def read(base: str, code: str) -> dict:
    return requests.get(f"{base}/tasks/api/v1/tasks/{code}", headers=bearer("web-test", None, "admin"),
                        timeout=10).json()


def test_an_official_of_another_unit_gets_the_403_page(demo, browser):
    base, _, _ = demo
    demo_task, _, _ = a_unit_with_a_demo_task(base)
    stranger = next((o for unit, _, officials, _ in STAFFED if unit not in
                     (demo_task["lead_unit"], *demo_task["co_units"]) for o in officials))
    page = browser.new_page()
    sign_in_as(page, base, stranger[1], "/tasks/workbench")
    answer = page.goto(f"{base}/tasks/workbench/{demo_task['code']}")
    assert answer.status == 403
    assert page.get_by_role("heading", level=1).inner_text() == "Bạn không có quyền xem trang này"
    assert re.search("Nhiệm vụ của đơn vị", page.content()) is None  # an officer has no unit page link
    assert page.goto(f"{base}/tasks/unit").status == 403
    page.close()


def test_the_demo_director_finds_an_extension_request_waiting_for_his_decision(demo, browser):
    """The demo gives the Director of Construction a request to decide (he assigned that task): his unit's page
    lists it with the reason and the form to decide it."""
    base, _, _ = demo
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in_as(page, base, "Nguyễn Hữu Thắng", "/tasks/unit")
    waiting = page.locator("main").inner_text()
    assert "Chờ ý kiến thẩm định của Sở Quy hoạch - Kiến trúc" in waiting
    assert page.get_by_role("button", name="Đồng ý gia hạn").count() >= 1
    page.close()
