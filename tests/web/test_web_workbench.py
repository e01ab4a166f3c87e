"""The officer's day starts in a browser: on the embedded demo she signs in from the sign-in page and lands
on her workbench, most urgent dossier first. Debian's chromium driven by Playwright; each page is checked with
axe-core (no serious or critical violation) and at 390 px wide (no horizontal scrolling); screenshots go to
var/test-artifacts/web/ for a reviewer."""

from __future__ import annotations

from web_support import browser, check_page, demo, sign_in_as

from shared.settings import DEV_JWT_SECRET


def test_an_officer_signs_in_and_finds_her_most_urgent_dossier_first(demo, browser):
    base, official, name = demo
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{base}/dossiers/workbench")
    assert page.url.startswith(f"{base}/discipline/sign-in")
    assert page.title().startswith("Đăng nhập")
    check_page(page, "sign-in")
    page.get_by_role("button", name=name, exact=True).first.click()
    page.wait_for_url(f"{base}/dossiers/workbench")
    assert page.get_by_role("heading", level=1).inner_text() == "Hồ sơ của tôi"
    first_badge = page.locator("tbody tr").first.locator(".badge")
    assert first_badge.inner_text().startswith("Quá hạn")  # the most urgent first
    check_page(page, "workbench")
    # Signing out returns to the sign-in page; the workbench then asks to sign in again.
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url(f"{base}/discipline/sign-in")
    page.goto(f"{base}/dossiers/workbench")
    assert page.url.startswith(f"{base}/discipline/sign-in")
    page.close()


def test_a_browser_gets_error_pages_in_vietnamese(demo, browser):
    base, _, _ = demo
    page = browser.new_page()
    answer = page.goto(f"{base}/dossiers/no-such-page")
    assert answer.status == 404
    assert page.get_by_role("heading", level=1).inner_text() == "Không tìm thấy trang"
    check_page(page, "error-404")
    page.close()


def test_an_expired_session_returns_to_sign_in_and_back(demo, browser):
    """After its lifetime (a working day) a session cookie takes the browser back to sign in, never to a JSON
    401, and signing in again lands on the page it asked for."""
    import time

    from itsdangerous import URLSafeTimedSerializer

    from shared.web import session as web_session

    base, official, name = demo

    serializer = URLSafeTimedSerializer(DEV_JWT_SECRET, salt="kycuong.session")
    stale_time = int(time.time() - web_session.LIFETIME.total_seconds() - 60)
    signer = serializer.make_signer(salt="kycuong.session")
    signer.get_timestamp = lambda: stale_time
    payload = serializer.dump_payload({"sub": official, "unit": None, "roles": ["officer"], "csrf": "x"})
    stale = signer.sign(payload).decode()
    context = browser.new_context()
    context.add_cookies([{"name": web_session.COOKIE, "value": stale, "url": base}])
    page = context.new_page()
    answer = page.goto(f"{base}/dossiers/workbench?page=1")
    assert page.url == f"{base}/discipline/sign-in?next=/dossiers/workbench%3Fpage%3D1"
    assert "application/json" not in (answer.headers.get("content-type") or "")
    assert not [c for c in context.cookies() if c["name"] == web_session.COOKIE]  # the stale cookie is gone
    page.get_by_role("button", name=name, exact=True).first.click()
    page.wait_for_url(f"{base}/dossiers/workbench?page=1")
    assert page.get_by_role("heading", level=1).inner_text() == "Hồ sơ của tôi"
    context.close()


def test_a_changed_filter_replaces_the_list_in_place_and_the_address_follows(demo, browser):
    """Progressive enhancement: with the vendored htmx a filter applies as it is chosen, without reloading the
    page (a marker set in the page survives) and without an inline script (the CSP stays whole)."""
    base, official, name = demo
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    sign_in_as(page, base, name, "/dossiers/workbench")
    page.evaluate("window.kcMarker = 'still here'")
    choice = page.locator("#step option").nth(1)
    step_value, step_name = choice.get_attribute("value"), choice.inner_text()
    page.select_option("#step", step_value)
    page.wait_for_url(f"**/dossiers/workbench?*step={step_value}*")
    page.wait_for_function("document.querySelectorAll('#results tbody tr').length > 0")
    assert page.evaluate("window.kcMarker") == "still here"  # not reloaded
    steps = page.locator("#results tbody td:nth-child(3)").all_inner_texts()
    assert steps and set(steps) == {step_name}
    assert not [e for e in errors if "Content Security Policy" in e], errors
    page.close()


def test_keyboard_alone_signs_in_and_opens_the_most_urgent_dossier(demo, browser):
    """No mouse: the skip link comes first, every control is reached with Tab and used with Enter."""
    base, official, name = demo
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{base}/discipline/sign-in?next=/dossiers/workbench")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Bỏ qua, đến nội dung chính"
    for _ in range(200):  # Tab through the page to the official's button
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.tagName") == "BUTTON" and \
                page.evaluate("document.activeElement.textContent.trim()") == name:
            break
    else:
        raise AssertionError(f"{name}'s sign-in button is not reachable with Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/dossiers/workbench")
    for _ in range(200):  # to the first dossier of the list
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.closest('tbody') !== null"):
            break
    else:
        raise AssertionError("no dossier link is reachable with Tab")
    code = page.evaluate("document.activeElement.textContent.trim()")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/dossiers/workbench/{code}")
    assert code in page.get_by_role("heading", level=1).inner_text()
    page.close()


def test_a_filter_with_a_long_procedure_name_does_not_widen_the_page_on_a_phone(demo, browser):
    base, official, name = demo
    page = browser.new_page(viewport={"width": 390, "height": 844})
    sign_in_as(page, base, name, "/dossiers/workbench")
    page.evaluate("""() => { const option = document.createElement('option');
        option.textContent = 'Cấp giấy phép xây dựng mới đối với công trình cấp đặc biệt, cấp I, cấp II ' +
            '(công trình không theo tuyến, theo tuyến trong đô thị, tín ngưỡng, tôn giáo, tượng đài)';
        document.querySelector('#procedure').appendChild(option); }""")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.close()
