"""Explanations in a browser, on the embedded demo: an officer asked to explain an overdue dossier submits her
explanation with a PDF before the deadline; her unit's head finds it waiting for judgement, is told why a
rejection needs a reason, then rejects it with one; the request's page shows the judgement and its audit
entries, and the audit chain (API) records the rejection with the head as actor. Every page passes axe-core
and fits 390 px (check_page)."""

from __future__ import annotations

from datetime import UTC, datetime

import requests
from conftest import wait_until
from web_support import browser, check_page, demo, sign_in_as  # noqa: F401 (fixtures)

from shared.auth import mint_token
from shared.settings import DEV_JWT_SECRET

API = "/discipline/api/v1"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
EXPLANATION = "Hồ sơ chờ văn bản trả lời của Sở Xây dựng; tôi đã báo lãnh đạo và gọi điện cho người dân."
REJECTION = "Không có văn bản xin ý kiến phối hợp kèm theo; đề nghị rút kinh nghiệm."


def admin() -> dict:
    return {"Authorization": "Bearer " + mint_token(DEV_JWT_SECRET, sub="web-test", unit=None, roles=["admin"],
                                                     now=datetime.now(UTC))}


def get(base: str, path: str, **params) -> dict:
    answer = requests.get(f"{base}{API}{path}", params=params, headers=admin(), timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def an_open_request(base: str) -> tuple[dict, dict, dict]:
    """(request, the official asked, her unit's head): a dossier's request to an official who is not her
    unit's head, still before its deadline, once the demo has judged its own two (it picks them itself)."""
    wait_until(lambda: all(get(base, "/explanations", status=status, page_size=1)["total"]
                           for status in ("accepted", "rejected")),
               timeout=120, interval=0.5, message="the demo's own explanations judged")
    now = datetime.now(UTC)
    for request in get(base, "/explanations", role="official", status="requested", page_size=500)["items"]:
        if request["subject_type"] != "dossier" or datetime.fromisoformat(request["due_at"]) <= now:
            continue
        head = get(base, f"/units/{request['unit']}")["head"]
        if head is None or head["official"] == request["official"]:
            continue
        officials = get(base, "/officials", unit=request["unit"], page_size=500)["items"]
        official = next(o for o in officials if o["code"] == request["official"])
        return request, official, head
    raise AssertionError("the demo has no open explanation request to an official below a head")


def test_she_explains_with_a_pdf_and_her_head_rejects_it_with_a_reason(demo, browser):
    base, _, _ = demo
    request, official, head = an_open_request(base)
    code = request["code"]
    page = browser.new_page(viewport={"width": 1280, "height": 900})

    # Her requests: the open one with its deadline in working days.
    sign_in_as(page, base, official["name"], "/discipline/explanations")
    assert page.get_by_role("heading", level=1).inner_text() == "Giải trình của tôi"
    row = page.locator("tbody tr", has=page.get_by_role("link", name=code, exact=True))
    assert "Chờ giải trình" in row.inner_text()
    assert row.locator(".badge--on_track, .badge--due_soon").inner_text().startswith(("Còn", "Sắp đến hạn"))
    check_page(page, "explanations-mine")

    # The request: what it is about, and the form.
    row.get_by_role("link", name=code, exact=True).click()
    page.wait_for_url(f"{base}/discipline/explanations/{code}")
    assert page.get_by_role("heading", level=1).inner_text() == f"Yêu cầu giải trình {code}"
    assert request["subject"] in page.locator(".summary-list").first.inner_text()
    assert "Tối đa 5 tệp PDF, PNG hoặc JPEG" in page.locator("#attachments-hint").inner_text()
    check_page(page, "explanation-open")
    page.get_by_label("Nội dung giải trình").fill(EXPLANATION)
    page.get_by_label("Tệp đính kèm (không bắt buộc)").set_input_files(
        {"name": "công văn phối hợp.pdf", "mimeType": "application/pdf", "buffer": PDF})
    page.get_by_role("button", name="Nộp giải trình").click()
    page.wait_for_url(f"{base}/discipline/explanations/{code}")
    assert page.locator(".flash--success").inner_text().startswith(f"Đã nộp giải trình {code}")
    assert page.locator(".button-group .badge").first.inner_text() == "Đã nộp"
    assert EXPLANATION in page.locator(".prose-text").first.inner_text()
    link = page.get_by_role("link", name="công văn phối hợp.pdf")
    download = page.request.get(base + link.get_attribute("href"))
    assert download.status == 200 and download.body() == PDF
    assert page.get_by_role("button", name="Nộp giải trình").count() == 0  # submitted once
    check_page(page, "explanation-submitted")
    page.get_by_role("link", name="Về danh sách giải trình của tôi").click()
    page.wait_for_url(f"{base}/discipline/explanations")
    row = page.locator("tbody tr", has=page.get_by_role("link", name=code, exact=True))
    assert "Đã nộp" in row.inner_text()  # listed after the open ones, without a time-left badge
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url(f"{base}/discipline/sign-in")

    # Her head finds it waiting for judgement.
    sign_in_as(page, base, head["name"], "/discipline/explanations/to-judge")
    assert page.get_by_role("heading", level=1).inner_text() == "Giải trình chờ xem xét"
    row = page.locator("tbody tr", has=page.get_by_role("link", name=code, exact=True))
    assert official["name"] in row.inner_text()
    check_page(page, "explanations-to-judge")
    row.get_by_role("link", name=code, exact=True).click()
    page.wait_for_url(f"{base}/discipline/explanations/{code}")

    # Rejecting without a reason: told why a reason is needed, nothing changed.
    page.get_by_label("Không chấp nhận giải trình").check()
    with page.expect_navigation() as answer:
        page.get_by_role("button", name="Ghi kết quả xem xét").click()
    assert answer.value.status == 422
    summary = page.locator(".error-summary")
    assert "Nêu lý do không chấp nhận" in summary.inner_text()
    assert summary.get_by_role("link").get_attribute("href") == "#reason"
    assert page.get_by_label("Không chấp nhận giải trình").is_checked()  # her choice kept
    assert get(base, f"/explanations/{code}")["status"] == "submitted"
    check_page(page, "explanation-judge-error")

    page.get_by_label("Lý do").fill(REJECTION)
    page.get_by_role("button", name="Ghi kết quả xem xét").click()
    page.wait_for_url(f"{base}/discipline/explanations/{code}")
    assert page.locator(".flash--success").inner_text() == f"Đã không chấp nhận giải trình {code}."
    judgement = page.locator(".summary-list").nth(2).inner_text()
    assert "Không chấp nhận" in judgement and REJECTION in judgement and head["name"] in judgement
    audit_rows = page.locator("tbody tr")
    last = audit_rows.nth(audit_rows.count() - 1).inner_text()
    assert "Không chấp nhận giải trình" in last and head["official"] in last
    check_page(page, "explanation-rejected")
    page.close()

    # The audit chain records the rejection by the head, and is whole.
    entries = get(base, "/audit", subject=code, page_size=50)["items"]
    assert [(e["action"], e["actor"]) for e in reversed(entries)][-2:] == [
        ("explanation.submitted", official["code"]), ("explanation.rejected", head["official"])]
    assert get(base, "/audit/verify")["ok"] is True


def test_an_officer_neither_judges_nor_reads_another_officials_request(demo, browser):
    base, _, _ = demo
    request, official, _ = an_open_request(base)
    other = next(r for r in get(base, "/explanations", role="official", page_size=500)["items"]
                 if r["official"] not in (official["code"], None) and r["unit"] != request["unit"])
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in_as(page, base, official["name"], "/discipline/explanations")
    for path in ("/discipline/explanations/to-judge", f"/discipline/explanations/{other['code']}"):
        answer = page.goto(base + path)
        assert answer.status == 403, path
        assert page.get_by_role("heading", level=1).inner_text() == "Bạn không có quyền xem trang này"
    check_page(page, "explanation-forbidden")
    page.close()
