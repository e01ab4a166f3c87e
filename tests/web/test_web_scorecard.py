"""The head's scorecard in a browser, on the embedded demo: a Director signs in and opens her unit's results of
this month: the 766 progress score with the index's groups (measured or not), her unit's rank among the ranked
units, and six months of trend as a chart with its table. Checked with axe-core and at 390 px (check_page)."""

from __future__ import annotations

import re

import requests
from conftest import wait_until
from web_support import browser, check_page, demo, sign_in_as  # noqa: F401  (fixtures)

from kycuong.demo.people import STAFFED


def a_ranked_head(base: str):
    """A staffed demo unit in this month's public ranking (its dossiers reached reporting), and its head."""
    heads = {unit: head for unit, head, _, _ in STAFFED}

    def ranked():
        answer = requests.get(f"{base}/reporting/api/v1/rankings?page_size=500", timeout=10)
        items = answer.json().get("items", []) if answer.status_code == 200 else []
        return next(((item, answer.json()["total"]) for item in items if item["unit"] in heads), None)

    (entry, total) = wait_until(ranked, timeout=90, interval=1, message="a staffed demo unit in the ranking")
    return entry, total, heads[entry["unit"]]


def test_a_head_sees_her_units_score_rank_and_trend(demo, browser):
    base, _, _ = demo
    entry, _, (_, head_name, _) = a_ranked_head(base)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in_as(page, base, head_name, "/reporting/scorecard")

    assert page.get_by_role("heading", level=1).inner_text() == "Kết quả của đơn vị"
    assert entry["unit_name"] in page.locator(".lead").inner_text()
    rank = page.locator(".stat", has_text="Xếp hạng").inner_text()
    assert re.search(r"Hạng \d+/\d+", rank), rank
    assert page.get_by_role("link", name="Kết quả của đơn vị").get_attribute("aria-current") == "page"
    # The 766 groups: progress measured, online services not.
    groups = page.locator("table", has_text="Điểm tối đa")
    assert "Tiến độ giải quyết" in groups.inner_text() and "Không đo" in groups.inner_text()
    # The trend: an SVG chart (no script) and the table behind it, six months, the current one last.
    assert page.locator("svg.trend-chart rect").count() == 6
    rows = page.locator("#trend-table tbody tr")
    assert rows.count() == 6
    assert re.fullmatch(r"\d{2}/\d{4}", rows.last.locator("th").inner_text())
    rate = rows.last.locator("td[data-label='Tỉ lệ đúng hạn']").inner_text()
    assert re.fullmatch(r"\d{1,3},\d{2}%|—", rate), rate  # Vietnamese decimals
    check_page(page, "scorecard")
    page.close()


def test_an_officer_is_not_shown_the_scorecard(demo, browser):
    base, _, _ = demo
    _, _, officials, _ = STAFFED[0]
    page = browser.new_page()
    sign_in_as(page, base, officials[0][1], "/tasks/workbench")
    assert page.goto(f"{base}/reporting/scorecard").status == 403
    assert page.get_by_role("heading", level=1).inner_text() == "Bạn không có quyền xem trang này"
    page.close()
