"""The officer's dossier and the head's view of the unit, in a browser on the embedded demo: she opens her
most urgent dossier from the workbench, a supplement request without a reason is refused with the error
summary and nothing changes, she drafts the apology and hands the dossier over, and the control sheet shows
the hand-over (who, when, in Vietnam's date format); the head of her unit sees the unit's overdue dossiers,
the dossier among them, and signs the apology. Every page passes axe-core and fits 390 px (check_page)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import requests
from web_support import browser, check_page, demo, sign_in_as  # noqa: F401

from shared.auth import mint_token
from shared.settings import DEV_JWT_SECRET

HANOI = timezone(timedelta(hours=7))


def admin_get(base: str, path: str) -> dict:
    token = mint_token(DEV_JWT_SECRET, sub="web-test", unit=None, roles=["admin"], now=datetime.now(UTC))
    answer = requests.get(base + path, headers={"Authorization": f"Bearer {token}"}, timeout=10)
    answer.raise_for_status()
    return answer.json()


def test_an_officer_hands_over_her_most_urgent_dossier_and_the_head_signs_its_apology(demo, browser):
    base, official, name = demo
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in_as(page, base, name, "/dossiers/workbench")
    check_page(page, "dossiers-workbench")
    first = page.locator("tbody tr").first
    assert first.locator(".badge").inner_text().startswith("Quá hạn")
    code = first.locator("a").first.inner_text()
    first.locator("a").first.click()
    page.wait_for_url(f"{base}/dossiers/workbench/{code}")
    assert page.get_by_role("heading", level=1).inner_text() == f"Hồ sơ {code}"
    assert page.get_by_role("heading", name="Phiếu kiểm soát quá trình giải quyết hồ sơ").is_visible()
    assert page.get_by_role("heading", name=re.compile("^Vì sao hạn xử lý là")).is_visible()
    check_page(page, "dossiers-dossier")

    # A supplement request without a reason: the error summary, and the dossier still being handled.
    page.get_by_role("button", name="Yêu cầu bổ sung").click()
    summary = page.locator(".error-summary")
    summary.wait_for()
    assert "Nêu lý do cần bổ sung" in summary.inner_text()
    assert summary.get_by_role("link").get_attribute("href") == "#supplement_reasons"
    assert "Đang giải quyết" in page.locator(".summary-list").inner_text()
    check_page(page, "dossiers-dossier-error")
    page.goto(f"{base}/dossiers/workbench/{code}")

    # Late: she drafts the apology for the head (unless the unit already apologised for it).
    drafted = page.get_by_role("heading", name="Dự thảo thư xin lỗi").count() > 0
    if drafted:
        page.get_by_label("Lý do chậm trễ").fill("Chờ ý kiến thẩm định của đơn vị phối hợp")
        promised = (datetime.now(HANOI) + timedelta(days=20)).replace(hour=16, minute=0)
        page.get_by_label("Ngày, giờ hẹn trả kết quả mới").fill(promised.strftime("%Y-%m-%dT%H:%M"))
        page.get_by_role("button", name="Gửi dự thảo để lãnh đạo ký").click()
        page.locator(".flash--success").wait_for()
        assert "Đã gửi dự thảo thư xin lỗi" in page.locator(".flash--success").inner_text()

    # The hand-over: the next step is proposed; she picks a colleague.
    colleagues = [value for value in page.locator("#to_official option").evaluate_all(
        "options => options.map(o => o.value)") if value and value != official]
    assert colleagues, "the unit's officials are offered"
    colleague = colleagues[0]
    page.get_by_label("Cán bộ nhận hồ sơ").select_option(colleague)
    page.get_by_role("button", name="Chuyển hồ sơ").click()
    page.locator(".flash--success").wait_for()
    assert page.url == f"{base}/dossiers/workbench/{code}"
    rows = page.locator("#handovers tbody tr")
    last = rows.nth(rows.count() - 1)
    assert last.locator("td[data-label='Người nhận']").inner_text().startswith(colleague)
    assert last.locator("td[data-label='Người giao']").inner_text() == official
    when = last.locator("td[data-label='Thời điểm']").inner_text()
    assert re.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d", when)
    assert datetime.strptime(when, "%d/%m/%Y %H:%M").date() == datetime.now(HANOI).date()
    assert "_" not in last.locator("td[data-label='Đến bước']").inner_text()  # a step's name, not its key
    check_page(page, "dossiers-dossier-handed-over")

    # The head of her unit: the unit's overdue dossiers, the one handed over among the colleague's.
    unit = admin_get(base, f"/dossiers/api/v1/dossiers/{code}")["unit"]
    head = admin_get(base, f"/discipline/api/v1/units/{unit}")["head"]
    assert head is not None, f"the demo unit {unit} has a head"
    page.context.clear_cookies()
    sign_in_as(page, base, head["name"], "/dossiers/unit")
    assert int(page.locator("#overdue-count").inner_text().replace(".", "")) >= 1
    check_page(page, "dossiers-unit")
    page.goto(f"{base}/dossiers/unit?standing=overdue&official={colleague}")
    assert page.get_by_role("link", name=code, exact=True).is_visible()

    if drafted:
        page.goto(f"{base}/dossiers/apologies")
        check_page(page, "dossiers-apologies")
        card = page.locator(f"form[action='/dossiers/apologies/{code}/sign']")
        card.get_by_label("Họ và tên người ký").fill(head["name"])
        card.get_by_role("button", name=f"Ký và phát hành thư xin lỗi {code}").click()
        page.locator(".flash--success").wait_for()
        assert f"Đã ký thư xin lỗi hồ sơ {code}" in page.locator(".flash--success").inner_text()
        letter = page.get_by_role("link", name="tải thư đã ký (PDF)")
        answer = page.request.get(base + letter.get_attribute("href"))
        assert answer.ok and answer.headers["content-type"] == "application/pdf"
        check_page(page, "dossiers-apologies-signed")
        page.goto(f"{base}/dossiers/workbench/{code}")
        assert "Đơn vị đã gửi thư xin lỗi" in page.locator("main").inner_text()
    page.close()
