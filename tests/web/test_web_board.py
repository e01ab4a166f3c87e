"""The Service Center's live board in a browser, on the embedded demo: the demo's person of the Office (HN-VP,
role office) opens the board; while the page stays open, a dossier received
three weeks ago (already past its deadline) is entered for the worst unit and handed over, the deadline sweep
makes it overdue, and the unit's overdue count on the board rises without a reload. Then the unit's open
dossiers, the new one among them, and its control sheet with the hand-over. Every page passes axe-core and
fits 390 px (check_page)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import requests
from conftest import wait_until
from playwright.sync_api import expect
from web_support import browser, check_page, demo, sign_in_as  # noqa: F401  (fixtures)

from kycuong.demo.people import OFFICE_OFFICIAL
from shared.auth import mint_token
from shared.settings import DEV_JWT_SECRET

HANOI = timezone(timedelta(hours=7))


def admin() -> dict:
    token = mint_token(DEV_JWT_SECRET, sub="web-test", unit=None, roles=["admin"], now=datetime.now(UTC))
    return {"Authorization": f"Bearer {token}"}


def admin_get(base: str, path: str) -> dict:
    answer = requests.get(base + path, headers=admin(), timeout=10)
    answer.raise_for_status()
    return answer.json()


def count(text: str) -> int:
    return int(text.strip().replace(".", ""))


def test_the_office_sees_a_unit_go_overdue_on_the_live_board_and_drills_down(demo, browser):
    base, _, _ = demo
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in_as(page, base, OFFICE_OFFICIAL[1], "/reporting/board")
    assert page.get_by_role("heading", level=1).inner_text() == "Bảng theo dõi hồ sơ trực tuyến"
    assert page.get_by_role("link", name="Bảng theo dõi hồ sơ").is_visible()  # in the navigation
    check_page(page, "reporting-board")

    # The worst unit comes first; one of its open dossiers gives a procedure it handles.
    first = page.locator("tbody tr[data-unit]").first
    unit = first.get_attribute("data-unit")
    overdue_cell = page.locator(f'tr[data-unit="{unit}"] .board-overdue')
    before = count(overdue_cell.inner_text())
    sample = next(d for d in admin_get(base, f"/dossiers/api/v1/dossiers?unit={unit}&page_size=100")["items"]
                  if d.get("procedure_code"))
    people = [o["code"] for o in admin_get(base, f"/discipline/api/v1/officials?unit={unit}&page_size=50")["items"]]
    page.evaluate("window.boardNotReloaded = true")

    # A dossier received three weeks ago: its deadline has passed; the sweep will say so.
    received = (datetime.now(HANOI) - timedelta(days=21)).replace(hour=9, minute=0, second=0, microsecond=0)
    made = requests.post(f"{base}/dossiers/api/v1/dossiers", headers=admin(), timeout=10, json={
        "procedure_code": sample["procedure_code"], "unit": unit, "received_at": received.isoformat(),
        "handler": people[0], "applicant": {"name": "Nguyễn Thị Lan"}})
    assert made.status_code == 201, made.text
    code = made.json()["code"]
    handed = requests.post(f"{base}/dossiers/api/v1/dossiers/{code}/handovers", headers=admin(), timeout=10,
                           json={"to_official": people[-1] if people[-1] != people[0] else "CB-BOARD-TEST"})
    assert handed.status_code == 201, handed.text

    # The count rises on the open page (htmx polls every second), with no reload. At least by one: the demo's
    # own events may still be arriving; the drill-down below shows the new dossier among the overdue ones.
    wait_until(lambda: count(overdue_cell.inner_text()) > before, timeout=90, interval=0.5,
               message=f"the overdue count of {unit} to rise above {before} on the open board")
    assert page.evaluate("window.boardNotReloaded") is True

    # Drill down: the unit's open dossiers, overdue first, the new one among them.
    page.locator(f"#unit-{unit}").click()
    page.wait_for_url(f"{base}/reporting/board/{unit}")
    link = page.get_by_role("link", name=code, exact=True)
    expect(link).to_be_visible()
    row = page.locator("tbody tr", has=link)
    assert "Quá hạn" in row.inner_text()
    check_page(page, "reporting-board-unit")

    # The dossier's control sheet: the hand-over with its time and the two officials.
    link.click()
    page.wait_for_url(f"{base}/reporting/board/{unit}/{code}")
    assert code in page.get_by_role("heading", level=1).inner_text()
    sheet = page.locator("table.board-sheet")
    expect(sheet).to_contain_text("Chuyển bước")
    expect(sheet).to_contain_text(people[0])
    check_page(page, "reporting-board-dossier")
    page.close()
