"""Signing in with a browser: the directory gives the person their unit and roles, one session cookie is
accepted by every service, a form that changes something must carry the session's token, and errors reach a
browser as pages in Vietnamese (English on request) while API clients keep JSON."""

from __future__ import annotations

import re

import pytest

from shared.web import session as web_session

UNIT, HEAD, OFFICER = "HN-SXD", "CB-SXD-01", "CB-SXD-11"
HTML = {"Accept": "text/html,application/xhtml+xml"}


@pytest.fixture
def discipline(start_service):
    svc = start_service("discipline", workers=False)
    admin = svc.headers()
    assert svc.client.post("/discipline/api/v1/units", headers=admin, json={
        "code": UNIT, "name": "Sở Xây dựng", "parent": None, "kind": "department"}).status_code == 200
    for code, name, leader in ((HEAD, "Nguyễn Hữu Thắng", True), (OFFICER, "Lê Thị Thu Hà", False)):
        assert svc.client.post("/discipline/api/v1/officials", headers=admin, json={
            "code": code, "name": name, "unit": UNIT, "position": "Giám đốc" if leader else "Chuyên viên",
            "category": "cong_chuc", "is_leader": leader}).status_code == 200
    assert svc.client.post(f"/discipline/api/v1/units/{UNIT}/heads", headers=admin,
                           json={"official": HEAD, "since": "2025-07-01"}).status_code == 200
    return svc


def sign_in_as(client, official: str):
    page = client.get("/discipline/sign-in", headers=HTML)
    assert page.status_code == 200
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    return client.post("/discipline/sign-in/demo", data={"csrf_token": token, "official": official}, headers=HTML)


def test_the_demo_lists_its_officials_and_signing_in_gives_the_directorys_unit_and_roles(discipline):
    page = discipline.client.get("/discipline/sign-in", headers=HTML).get_data(as_text=True)
    assert "Nguyễn Hữu Thắng" in page and "Lê Thị Thu Hà" in page and "Sở Xây dựng" in page
    answer = sign_in_as(discipline.client, HEAD)
    assert answer.status_code == 303
    cookie = discipline.client.get_cookie(web_session.COOKIE)
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"
    found = web_session.read(discipline.runtime.settings.session_secret, cookie.value)
    assert (found.principal.sub, found.principal.unit, found.principal.roles) == (HEAD, UNIT, {"head", "officer"})
    # The API answers the browser's session like a token: the head reads the unit's explanations.
    assert discipline.client.get("/discipline/api/v1/explanations").status_code == 200


def test_another_service_accepts_the_same_session(discipline, start_service):
    sign_in_as(discipline.client, OFFICER)
    cookie = discipline.client.get_cookie(web_session.COOKIE).value
    tasks = start_service("tasks", workers=False)
    tasks.client.set_cookie(web_session.COOKIE, cookie)
    assert tasks.client.get(f"/tasks/api/v1/tasks?unit={UNIT}").status_code == 200
    assert tasks.client.get("/tasks/api/v1/tasks?unit=HN-STP").status_code == 403  # the officer's unit only


def test_a_change_from_a_signed_in_browser_needs_its_forms_token(discipline):
    sign_in_as(discipline.client, HEAD)
    found = web_session.read(discipline.runtime.settings.session_secret,
                             discipline.client.get_cookie(web_session.COOKIE).value)
    forged = discipline.client.post("/discipline/sign-out")  # as a page of another site would
    assert forged.status_code == 403
    assert discipline.client.get_cookie(web_session.COOKIE) is not None
    signed_out = discipline.client.post("/discipline/sign-out", data={"csrf_token": found.csrf})
    assert signed_out.status_code == 303 and signed_out.headers["Location"].endswith("/discipline/sign-in")
    assert discipline.client.get_cookie(web_session.COOKIE) is None


def test_a_sign_in_form_from_elsewhere_signs_nobody_in(discipline):
    answer = discipline.client.post("/discipline/sign-in/demo", data={"official": HEAD}, headers=HTML)
    assert answer.status_code == 303 and "error=expired" in answer.headers["Location"]
    assert discipline.client.get_cookie(web_session.COOKIE) is None


def test_an_expired_or_forged_session_sends_a_browser_to_sign_in_and_an_api_client_gets_json(discipline):
    discipline.client.set_cookie(web_session.COOKIE, "forged-value")
    page = discipline.client.get("/discipline/api/v1/explanations", headers=HTML)
    assert page.status_code == 401 and page.is_json  # an API path answers JSON, whoever asks
    browser = discipline.client.get("/discipline/no-such-page", headers=HTML)
    assert browser.status_code == 404 and browser.mimetype == "text/html"
    text = browser.get_data(as_text=True)
    assert "Không tìm thấy trang" in text and 'lang="vi"' in text
    assert "script-src 'self'" in browser.headers["Content-Security-Policy"]
    english = discipline.client.get("/discipline/no-such-page?lang=en", headers=HTML).get_data(as_text=True)
    assert "Page not found" in english and 'lang="en"' in english
    api = discipline.client.get("/discipline/no-such-page")
    assert api.status_code == 404 and api.is_json


def test_outside_the_embedded_demo_nobody_signs_in_as_someone_else(start_service, pg_database):
    svc = start_service("discipline", workers=False, database_url=pg_database("signin"))
    assert "chưa được cấu hình" in svc.client.get("/discipline/sign-in", headers=HTML).get_data(as_text=True)
    assert svc.client.post("/discipline/sign-in/demo", data={"official": HEAD}).status_code == 404
