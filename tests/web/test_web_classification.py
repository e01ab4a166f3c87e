"""The Office's monthly classification of units and the rankings over months, in a browser on the embedded demo:
the Office opens the classification of the month whose late dossiers the demo holds and finds a unit with its
late count, as the public ranking counts it; then, from the navigation, the rankings over months, where each
unit's chart says the rank its row in the table says. Checked with axe-core and at 390 px (check_page)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import requests
from conftest import wait_until
from web_support import browser, check_page, demo, sign_in_as  # noqa: F401  (fixtures)

from kycuong.demo.people import OFFICE_OFFICIAL
from shared.web.pages import vn_number

HANOI = timezone(timedelta(hours=7))


def months_now() -> tuple[str, str]:
    """The last finished month (the page's default) and the current one, in Hà Nội."""
    today = datetime.now(UTC).astimezone(HANOI).date()
    previous = today.replace(day=1) - timedelta(days=1)
    return previous.strftime("%Y-%m"), today.strftime("%Y-%m")


def a_late_unit(base: str):
    """A month (the default one first) and a unit the public ranking counts dossiers completed late for."""

    def found():
        for period in months_now():
            answer = requests.get(f"{base}/reporting/api/v1/rankings?period={period}&page_size=500", timeout=10)
            items = answer.json().get("items", []) if answer.status_code == 200 else []
            late = [item for item in items if item["late"] > 0]
            if late:
                return period, max(late, key=lambda item: item["late"])
        return None

    return wait_until(found, timeout=90, interval=1, message="a demo unit with a dossier completed late")


def office_page(browser, base: str, target: str = "/reporting/reports"):
    """The demo's Office official, signed in on the demo's sign-in page, on `target`."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in_as(page, base, OFFICE_OFFICIAL[1], target)
    return context, page


def test_the_office_classifies_the_months_units_and_follows_the_rankings_over_months(demo, browser):
    base, _, _ = demo
    period, unit = a_late_unit(base)
    default, _ = months_now()
    context, page = office_page(browser, base)

    page.get_by_role("link", name="Phân loại đơn vị hằng tháng").click()
    page.wait_for_url(f"{base}/reporting/classification")
    if period != default:  # the demo's late dossiers are all in the running month: the next month's link
        page.get_by_role("link", name=re.compile("^Tháng sau")).click()
        page.wait_for_url(f"{base}/reporting/classification?period={period}")
    label = f"{period[5:]}/{period[:4]}"
    assert page.get_by_role("heading", level=1).inner_text() == f"Phân loại đơn vị tháng {label}"

    row = page.locator(f"#classification-table tr[data-unit='{unit['unit']}']")
    assert (unit["unit_name"] or unit["unit"]) in row.locator("td").first.inner_text()
    late = row.locator("td[data-figure='completed_late']").inner_text()
    assert late.split()[0] == vn_number(unit["late"]), (late, unit)
    assert "trễ hạn" in row.locator(".badge").inner_text()  # a unit with late dossiers is in a late group
    # Worst first: no unit without late dossiers comes before one with them.
    classes = page.locator("#classification-table tbody .badge").all_inner_texts()
    with_late = [("trễ hạn" in text) for text in classes]
    assert with_late == sorted(with_late, reverse=True), classes
    check_page(page, "classification")

    # The demo's dossier sent back twice through the officials' fault (HS-DEMO-0116, ward W00004) counts as
    # sent back several times in the month it happened.
    def repeated():
        for month in months_now():
            page.goto(f"{base}/reporting/classification?period={month}")
            row = page.locator("#classification-table tr[data-unit='W00004']")
            if row.count() and row.locator("td[data-figure='sent_back_repeatedly']").inner_text() == "1":
                return row.locator("td[data-figure='sent_back']").inner_text()
        return None

    assert wait_until(repeated, timeout=60, interval=2, message="the demo's dossier sent back twice").startswith("1")

    page.get_by_role("link", name="Xếp hạng qua các tháng").click()
    page.wait_for_url(f"{base}/reporting/rankings")
    assert page.get_by_role("heading", level=1).inner_text() == "Xếp hạng qua các tháng"
    charts = page.locator("li.rank-chart")
    assert charts.count() >= 2 and page.locator("svg.rank-chart__svg[aria-hidden='true']").count() == charts.count()
    table = page.locator("#rankings-table")
    assert table.locator("tbody tr").count() == charts.count()
    for index in range(charts.count()):
        chart = charts.nth(index)
        code = chart.get_attribute("data-unit")
        said = re.search(r"Tháng (\d{2})/(\d{4}): hạng ([\d.]+)/", chart.locator(".rank-chart__summary").inner_text())
        assert said, chart.inner_text()
        cell = table.locator(f"tr[data-unit='{code}'] td[data-month='{said[2]}-{said[1]}']").inner_text()
        assert re.fullmatch(rf"{re.escape(said[3])} \(\d+,\d{{2}}\)", cell), (code, cell)  # rank (score)
    check_page(page, "rankings")
    context.close()


def test_an_officer_is_not_shown_the_classification(demo, browser):
    base, _, name = demo
    page = browser.new_page()
    sign_in_as(page, base, name, "/dossiers/workbench")
    assert page.goto(f"{base}/reporting/classification").status == 403
    page.close()
