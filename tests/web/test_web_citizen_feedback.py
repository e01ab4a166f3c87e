"""A citizen on a phone (390 × 844) sends feedback with a photo, one question at a time, checks the answers,
gets a tracking code, follows it, reads the published answer once an officer has answered, rates it once and
is refused the second time, in Vietnamese. On the embedded demo in Debian's chromium; every page checked
with axe-core and kept as a screenshot."""

from __future__ import annotations

from datetime import UTC, datetime

import requests
from web_support import ARTIFACTS, browser, check_page, demo

from shared.auth import mint_token
from shared.settings import DEV_JWT_SECRET

PHONE = {"width": 390, "height": 844}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 256


def look(page, name: str) -> None:
    check_page(page, name)
    page.set_viewport_size(PHONE)


def test_a_citizen_sends_feedback_with_a_photo_follows_it_and_rates_the_answer_once(demo, browser, tmp_path):
    send_follow_and_rate(browser, demo[0], tmp_path)


def send_follow_and_rate(browser, base: str, tmp_path, shots: str = "citizen") -> None:
    """The whole journey on the platform at `base` (the demo itself, or the gateway in front of it)."""
    photo = tmp_path / "giay-hen.png"
    photo.write_bytes(PNG)
    page = browser.new_page(viewport=PHONE)
    page.goto(f"{base}/feedback/report")
    assert page.get_by_role("heading", level=1).inner_text() == "Gửi phản ánh, kiến nghị"
    look(page, f"{shots}-report-start")
    page.get_by_role("button", name="Bắt đầu").click()

    # A question left unanswered is said at the top and beside it, and nothing moves on.
    page.get_by_role("button", name="Tiếp tục").click()
    summary = page.locator(".error-summary")
    assert summary.get_by_role("link").inner_text() == "Chọn việc bạn muốn phản ánh"
    summary.get_by_role("link").click()  # the summary's link takes the reader to the question
    assert page.evaluate("document.activeElement.id") == "category"
    look(page, f"{shots}-report-category-error")
    page.get_by_label("Chậm trễ giải quyết hồ sơ, công việc").check()
    page.get_by_role("button", name="Tiếp tục").click()

    page.get_by_label("Tìm theo tên cơ quan, đơn vị").fill("ba dinh")
    page.get_by_role("button", name="Tìm").click()
    look(page, f"{shots}-report-unit")
    page.get_by_label("Phường Ba Đình").check()
    page.get_by_role("button", name="Tiếp tục").click()

    page.get_by_label("Nội dung phản ánh, kiến nghị").fill(
        "Tôi nộp hồ sơ đăng ký khai sinh ngày 16/11/2026, đến nay đã quá hẹn mà chưa nhận được kết quả.")
    look(page, f"{shots}-report-details")
    page.get_by_role("button", name="Tiếp tục").click()
    page.get_by_label("Gửi ẩn danh").check()
    page.get_by_role("button", name="Tiếp tục").click()

    assert page.get_by_role("heading", level=1).inner_text() == "Kiểm tra trước khi gửi"
    assert "Phường Ba Đình" in page.locator(".summary-list").inner_text()
    page.get_by_label("Ảnh, tài liệu kèm theo (không bắt buộc)").set_input_files(str(photo))
    look(page, f"{shots}-report-check")
    page.get_by_role("button", name="Gửi phản ánh").click()
    page.wait_for_url(f"{base}/feedback/track/**")
    code = page.locator(".panel__code").inner_text()
    assert code.startswith("PA-")
    assert "Đã tiếp nhận" in page.locator(".summary-list").inner_text()
    look(page, f"{shots}-track-received")

    # An officer of the ward answers and publishes; the citizen follows the code and reads the answer.
    found = requests.get(f"{base}/feedback/api/v1/feedback/{code}", timeout=5).json()
    officer = {"Authorization": "Bearer " + mint_token(DEV_JWT_SECRET, sub="web-test-officer", unit=found["unit"],
                                                       roles=["officer"], now=datetime.now(UTC))}
    for step, body in (("accept", {}), ("answer", {"text": "Đã trả giấy khai sinh ngày 01/12/2026; "
                                                            "xin lỗi ông/bà vì sự chậm trễ."}), ("publish", {})):
        answer = requests.post(f"{base}/feedback/api/v1/feedback/{code}/{step}", json=body, headers=officer,
                               timeout=5)
        assert answer.status_code < 300, answer.text
    page.goto(f"{base}/feedback/track")
    page.get_by_label("Mã tra cứu").fill(code)
    page.get_by_role("button", name="Tra cứu").click()
    assert "Đã trả giấy khai sinh ngày 01/12/2026" in page.inner_text("main")
    look(page, f"{shots}-track-published")

    page.get_by_role("link", name="Đánh giá kết quả xử lý").click()
    rate_url = page.url
    page.get_by_label("5 — Rất hài lòng").check()
    look(page, f"{shots}-rate")
    page.get_by_role("button", name="Gửi đánh giá").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Cảm ơn bạn đã đánh giá"
    look(page, f"{shots}-rated")

    page.goto(rate_url)
    page.get_by_label("1 — Rất không hài lòng").check()
    page.get_by_role("button", name="Gửi đánh giá").click()
    assert "đã được sử dụng" in page.locator(".error-summary").inner_text()
    look(page, f"{shots}-rate-refused")
    assert (ARTIFACTS / f"{shots}-rate-refused-390.png").exists()
    page.close()
