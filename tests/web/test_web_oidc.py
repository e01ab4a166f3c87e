"""Signing in through the province's identity provider, in distributed mode behind the gateway.

Everything is real: an OpenID Connect provider (panva's `oidc-provider` from npm, tests/web/oidc/provider.js, its
development login form), `kycuong serve` and `kycuong worker` of discipline and dossiers on PostgreSQL databases
and a RabbitMQ virtual host of their own (kycuong.local_stack), and nginx with deploy/nginx.conf in front of
them, so discipline's session cookie must be accepted by dossiers' pages on the same origin. Every port is held
by the test from the moment it is chosen. Debian's chromium, driven by Playwright, does what an official does.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
import subprocess
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
import requests
from conftest import wait_until
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from test_web_office import last_day_of_this_week
from test_web_tasks import submit
from web_support import CHROMIUM, NGINX, browser, check_page, start_gateway

from kycuong.local_stack import LocalStack, StackError, listening_socket
from shared.web import session as web_session

PROVIDER = Path(__file__).with_name("oidc")
NODE = shutil.which("node")
CLIENT_ID = "kycuong-web"
SUBJECT = "lan.nguyenthi@hanoi.gov.vn"  # what the provider calls the official: the login typed in its form
OFFICIAL = {"code": "CB-HK-0007", "name": "Nguyễn Thị Lan", "unit": "W00070", "category": "cong_chuc",
            "position": "Công chức một cửa"}
# The People's Committee's Office (role office) and Home Affairs (role inspector), each with its account.
OFFICE = {"code": "CB-VP-11", "name": "Lương Thị Phương Thảo", "unit": "HN-VP", "category": "cong_chuc",
          "position": "Chuyên viên Văn phòng UBND Thành phố"}
OFFICE_SUBJECT = "thao.luongthi@hanoi.gov.vn"
INSPECTOR = {"code": "CB-SNV-21", "name": "Nguyễn Thị Minh Châu", "unit": "HN-SNV", "category": "cong_chuc",
             "position": "Thanh tra viên"}
INSPECTOR_SUBJECT = "chau.nguyenthiminh@hanoi.gov.vn"


def _needs(tool: str | None, what: str) -> None:
    if not tool or not Path(tool).exists():
        (pytest.fail if os.environ.get("CI") else pytest.skip)(f"{what} is not installed: .ci/run installs it")


def _npm_ci() -> None:
    """The provider's packages, exactly as package-lock.json pins them (CI installs them in .ci/run)."""
    if not (PROVIDER / "node_modules" / "oidc-provider").is_dir():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=PROVIDER, check=True, timeout=300,
                       capture_output=True)


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    """(gateway URL, issuer, stack): the provider, discipline and dossiers behind nginx, one official linked."""
    _needs(CHROMIUM, "Debian's chromium")
    _needs(NGINX, "nginx")
    _needs(NODE, "node (Debian's nodejs)")
    _npm_ci()
    tmp = tmp_path_factory.mktemp("oidc")
    gateway_socket, provider_socket = listening_socket(), listening_socket()
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))  # bound, never listening: a service that is not running
    base = f"http://127.0.0.1:{gateway_socket.getsockname()[1]}"
    issuer = f"http://127.0.0.1:{provider_socket.getsockname()[1]}"
    secret = secrets.token_urlsafe(32)
    provider_log = (tmp / "provider.log").open("wb")
    provider = subprocess.Popen([NODE, "provider.js"], cwd=PROVIDER, stdout=provider_log, stderr=subprocess.STDOUT,
                                pass_fds=(provider_socket.fileno(),),
                                env={**os.environ, "OIDC_FD": str(provider_socket.fileno()), "OIDC_ISSUER": issuer,
                                     "OIDC_CLIENT_ID": CLIENT_ID, "OIDC_CLIENT_SECRET": secret,
                                     "OIDC_REDIRECT_URI": f"{base}/discipline/sign-in/callback",
                                     "OIDC_POST_LOGOUT_REDIRECT_URI": f"{base}/discipline/sign-in"})
    stack = LocalStack(tmp / "logs", extra_env={"KYCUONG_OIDC_ISSUER": issuer, "KYCUONG_OIDC_CLIENT_ID": CLIENT_ID,
                                                "KYCUONG_OIDC_CLIENT_SECRET": secret})
    gateway = None
    try:
        stack.open(services=("discipline", "dossiers", "reporting", "tasks"))
        gateway = start_gateway(tmp, {service: url.removeprefix("http://") for service, url in stack.urls.items()},
                                gateway_socket, f"127.0.0.1:{closed.getsockname()[1]}")

        def answers(url: str):
            try:
                return requests.get(url, timeout=2).ok
            except requests.RequestException:
                assert provider.poll() is None, (tmp / "provider.log").read_text(errors="replace")
                assert gateway.poll() is None, (tmp / "nginx.log").read_text(errors="replace")
                return False

        wait_until(lambda: answers(f"{issuer}/.well-known/openid-configuration"), timeout=30, interval=0.2,
                   message="the OpenID Connect provider answers")
        wait_until(lambda: answers(f"{base}/discipline/readyz"), timeout=30, interval=0.2,
                   message="discipline answers through the gateway")
        _seed(stack)
        yield base, issuer, stack
    except StackError as exc:
        pytest.fail(f"the distributed stack did not start: {exc}")
    finally:
        for process in (gateway, provider):
            if process is not None:
                process.terminate()
                process.wait(timeout=20)
        stack.close()
        provider_log.close()
        for sock in (gateway_socket, provider_socket, closed):
            sock.close()


def _seed(stack: LocalStack) -> None:
    """A ward, the Office and Home Affairs, one official of each, linked to the provider's accounts as the
    operator does it."""
    admin = {"Authorization": f"Bearer {stack.token()}"}
    units = [{"code": "W00070", "name": "Phường Hoàn Kiếm", "kind": "ward"},
             {"code": "HN-VP", "name": "Văn phòng Ủy ban nhân dân Thành phố", "kind": "department"},
             {"code": "HN-SNV", "name": "Sở Nội vụ", "kind": "department"}]
    for path, body in [("/discipline/api/v1/units", unit) for unit in units] + \
            [("/discipline/api/v1/officials", official) for official in (OFFICIAL, OFFICE, INSPECTOR)]:
        answer = requests.post(stack.urls["discipline"] + path, json=body, headers=admin, timeout=10)
        assert answer.status_code == 200, answer.text
    for official, subject in ((OFFICIAL, SUBJECT), (OFFICE, OFFICE_SUBJECT), (INSPECTOR, INSPECTOR_SUBJECT)):
        stack.kycuong("directory", "--link", f"{official['code']}={subject}")


def _sign_in_at_provider(page, issuer: str, login: str) -> None:
    """On the sign-in page: "Đăng nhập", then the provider's own form."""
    page.get_by_role("button", name="Đăng nhập", exact=True).click()
    page.wait_for_url(f"{issuer}/**")
    page.get_by_placeholder("Enter any login").fill(login)
    page.get_by_placeholder("and password").fill("any password")
    page.get_by_role("button", name="Sign-in").click()


def _session_cookie(context):
    return next((c for c in context.cookies() if c["name"] == "kc_session"), None)


def test_an_official_signs_in_at_the_provider_and_works_on_another_services_pages(platform, browser):
    base, issuer, _ = platform
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{base}/dossiers/workbench")
    assert page.url.startswith(f"{base}/discipline/sign-in?next=")
    assert page.get_by_role("heading", level=1).inner_text() == "Đăng nhập"
    check_page(page, "oidc-sign-in")
    _sign_in_at_provider(page, issuer, SUBJECT)
    page.wait_for_url(f"{base}/dossiers/workbench")  # back on the page asked for, a service other than discipline
    assert page.get_by_role("heading", level=1).inner_text() == "Hồ sơ của tôi"
    who = page.locator(".site-header__who").inner_text()
    assert OFFICIAL["code"] in who and OFFICIAL["unit"] in who
    cookie = _session_cookie(context)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["path"] == "/"
    assert not cookie["secure"]  # plain HTTP here; behind HTTPS it is Secure (next test)
    # Signing out ends the session at the provider too, which brings the browser back to the sign-in page.
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url(f"{issuer}/**")
    page.get_by_role("button", name="Yes, sign me out").click()
    page.wait_for_url(f"{base}/discipline/sign-in")
    assert _session_cookie(context) is None
    page.goto(f"{base}/dossiers/workbench")
    assert page.url.startswith(f"{base}/discipline/sign-in")
    # The provider's session is over too: signing in again asks for the login again.
    page.get_by_role("button", name="Đăng nhập", exact=True).click()
    page.wait_for_url(f"{issuer}/**")
    assert page.get_by_placeholder("Enter any login").is_visible()
    context.close()


def test_a_tampered_state_is_refused_and_gives_no_session(platform, browser):
    base, issuer, _ = platform
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{base}/discipline/sign-in?next=/dossiers/workbench")

    def tamper(route):
        """The way to the provider carries another state than the one this browser's attempt holds."""
        answer = route.fetch(max_redirects=0)
        location = answer.headers["location"]
        changed = re.sub(r"([?&]state=)[^&]+", r"\g<1>" + "x" * 32, location)
        assert changed != location
        route.fulfill(status=303, headers={**answer.headers, "location": changed})

    page.route("**/discipline/sign-in/start", tamper)
    with page.expect_response(re.compile(r".*/discipline/sign-in/callback\?.*")) as seen:
        _sign_in_at_provider(page, issuer, SUBJECT)
    assert seen.value.status == 400
    assert page.get_by_role("heading", level=1).inner_text() == "Yêu cầu đăng nhập không hợp lệ"
    assert _session_cookie(context) is None
    check_page(page, "oidc-bad-state")
    # The attempt is spent, and no page of the platform opens without signing in.
    answer = page.goto(page.url)
    assert answer.status == 400
    assert page.get_by_role("heading", level=1).inner_text() == "Lượt đăng nhập đã hết hạn"
    page.goto(f"{base}/dossiers/workbench")
    assert page.url.startswith(f"{base}/discipline/sign-in")
    context.close()


def test_an_account_linked_to_no_official_is_told_to_ask_its_units_office(platform, browser):
    base, issuer, _ = platform
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{base}/discipline/sign-in")
    with page.expect_response(re.compile(r".*/discipline/sign-in/callback\?.*")) as seen:
        _sign_in_at_provider(page, issuer, "stranger@example.org")
    assert seen.value.status == 403
    assert page.get_by_role("heading", level=1).inner_text() == "Tài khoản chưa được liên kết với cán bộ nào"
    assert "văn phòng đơn vị" in page.locator("main").inner_text()
    assert "stranger@example.org" in page.locator("main code").inner_text()
    assert _session_cookie(context) is None
    check_page(page, "oidc-not-linked")
    context.close()


def test_cancelling_at_the_provider_says_so_in_vietnamese(platform, browser):
    base, issuer, _ = platform
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{base}/discipline/sign-in")
    page.get_by_role("button", name="Đăng nhập", exact=True).click()
    page.wait_for_url(f"{issuer}/**")
    with page.expect_response(re.compile(r".*/discipline/sign-in/callback\?.*")) as seen:
        page.get_by_role("link", name="[ Cancel ]").click()
    assert seen.value.status == 403
    assert page.get_by_role("heading", level=1).inner_text() == "Hệ thống định danh không cho phép đăng nhập"
    assert _session_cookie(context) is None
    check_page(page, "oidc-denied")
    context.close()


def test_an_expired_session_sends_the_browser_back_to_sign_in_not_to_an_error(platform, browser):
    base, _, stack = platform

    class NineHoursAgo(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - 9 * 3600

    # A session discipline issued nine hours ago (one working day is its lifetime), genuinely signed.
    expired = URLSafeTimedSerializer(stack.env["KYCUONG_JWT_SECRET"], salt="kycuong.session", signer=NineHoursAgo)
    value = expired.dumps({"sub": OFFICIAL["code"], "unit": OFFICIAL["unit"], "roles": ["officer"], "csrf": "c"})
    context = browser.new_context()
    context.add_cookies([{"name": web_session.COOKIE, "value": value, "url": base}])
    page = context.new_page()
    answer = page.goto(f"{base}/dossiers/workbench?page=1")
    assert page.url == f"{base}/discipline/sign-in?next=/dossiers/workbench%3Fpage%3D1"
    assert answer.status == 200 and answer.headers["content-type"].startswith("text/html")
    assert page.get_by_role("button", name="Đăng nhập", exact=True).is_visible()
    assert _session_cookie(context) is None
    context.close()


def test_behind_https_the_cookies_are_secure_and_the_provider_returns_to_https(platform):
    """A gateway that terminates TLS says so with X-Forwarded-Proto; discipline trusts it from the gateway's
    address only (KYCUONG_TRUSTED_PROXIES, loopback by default), as it does for the client's address."""
    _, _, stack = platform
    direct = stack.urls["discipline"]
    http = requests.Session()
    form = http.get(f"{direct}/discipline/sign-in", timeout=10)
    assert "secure" not in form.headers["Set-Cookie"].lower()
    https = requests.Session()
    form = https.get(f"{direct}/discipline/sign-in", headers={"X-Forwarded-Proto": "https"}, timeout=10)
    assert "; secure" in form.headers["Set-Cookie"].lower()
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    started = requests.post(f"{direct}/discipline/sign-in/start", data={"csrf_token": token}, allow_redirects=False,
                            cookies={"kc_sign_in_csrf": token}, headers={"X-Forwarded-Proto": "https"}, timeout=10)
    assert started.status_code == 303
    attempt = started.headers["Set-Cookie"]
    assert attempt.startswith("kc_oidc_attempt=")
    assert all(flag in attempt.lower() for flag in ("; secure", "; httponly", "; samesite=lax"))
    host = direct.removeprefix("http://")
    assert f"redirect_uri=https%3A%2F%2F{host.replace(':', '%3A')}%2Fdiscipline%2Fsign-in%2Fcallback" in \
        started.headers["Location"]
    assert "code_challenge_method=S256" in started.headers["Location"]


def test_the_office_signs_in_at_the_provider_and_issues_and_downloads_a_report_through_the_gateway(platform,
                                                                                                  browser):
    base, issuer, _ = platform
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{base}/reporting/reports")
    _sign_in_at_provider(page, issuer, OFFICE_SUBJECT)
    page.wait_for_url(f"{base}/reporting/reports")
    assert f"{OFFICE['code']} (HN-VP)" in page.locator(".site-header__who").inner_text()
    last_month = (date.today().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    page.locator("#kind-issue").select_option("monthly")
    page.get_by_label("Kỳ", exact=True).last.fill(last_month)
    page.get_by_role("button", name="Ban hành", exact=True).click()
    page.wait_for_url(f"{base}/reporting/reports")
    assert "phiên bản 1" in page.get_by_role("status").inner_text()
    check_page(page, "oidc-office-reports")
    link = page.locator("tbody tr").first.get_by_role("link", name="PDF").get_attribute("href")
    answer = context.request.get(f"{base}{link}")
    assert answer.status == 200 and answer.body().startswith(b"%PDF")

    # The Service Center's board and the month's classification, through the gateway in the same session.
    navigation = page.get_by_role("navigation", name="Điều hướng chính")
    navigation.get_by_role("link", name="Bảng theo dõi hồ sơ").click()
    page.wait_for_url(f"{base}/reporting/board")
    assert page.get_by_role("heading", level=1).inner_text() == "Bảng theo dõi hồ sơ trực tuyến"
    navigation.get_by_role("link", name="Phân loại đơn vị hằng tháng").click()
    page.wait_for_url(f"{base}/reporting/classification")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Phân loại đơn vị tháng")

    # The week's cycle on the tasks service, same session: a directive, a task from it, the Monday list.
    sunday = last_day_of_this_week()
    if sunday is None:
        context.close()
        return  # late on Sunday no deadline of this week is still ahead (test_web_office.py says the same)
    navigation.get_by_role("link", name="Văn bản chỉ đạo").click()
    page.wait_for_url(f"{base}/tasks/directives")
    page.get_by_role("link", name="Đăng ký văn bản chỉ đạo").first.click()
    page.fill("#number_symbol", "07/CT-UBND")
    page.fill("#issued_on", date.today().isoformat())
    page.fill("#signer", "Chủ tịch UBND Thành phố")
    page.fill("#summary", "Chấn chỉnh tình trạng hồ sơ quá hạn tại phường")
    submit(page, "Đăng ký văn bản")
    assert page.url == f"{base}/tasks/directives/07/CT-UBND"

    def ward_known():  # the directory reaches tasks through the broker
        page.goto(f"{base}/tasks/directives/07/CT-UBND/assign")
        return page.locator("#lead_unit option[value='W00070']").count() == 1

    wait_until(ward_known, timeout=60, interval=1, message="the ward known to the tasks service")
    page.select_option("#lead_unit", "W00070")
    page.fill("#title", "Rà soát hồ sơ quá hạn của phường, làm rõ trách nhiệm")
    page.fill("#due_date", sunday.isoformat())
    submit(page, "Tiếp tục")
    submit(page, "Xác nhận giao nhiệm vụ")
    assert page.url == f"{base}/tasks/directives/07/CT-UBND"
    navigation.get_by_role("link", name="Danh sách thứ Hai").click()
    page.wait_for_url(f"{base}/tasks/monday")
    assert "Rà soát hồ sơ quá hạn của phường" in page.locator("main").inner_text()
    check_page(page, "oidc-office-monday")
    context.close()


def test_home_affairs_signs_in_at_the_provider_and_opens_its_desk_through_the_gateway(platform, browser):
    base, issuer, _ = platform
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{base}/discipline/inspector")
    _sign_in_at_provider(page, issuer, INSPECTOR_SUBJECT)
    page.wait_for_url(f"{base}/discipline/inspector")
    assert page.get_by_role("heading", level=1).inner_text() == "Bàn làm việc Sở Nội vụ"
    page.get_by_role("navigation", name="Điều hướng chính").get_by_role("link", name="Nhật ký kiểm toán").click()
    page.wait_for_url(f"{base}/discipline/audit")
    check_page(page, "oidc-home-affairs-audit")
    context.close()
