"""The task pages without a browser: the officer's tasks, reporting progress and asking for an extension from
the task's page, the head (who assigned the task) deciding on /tasks/unit, forms with something to fix shown
again (422) with nothing changed, and the 403 page for a reader the page is not for."""

from __future__ import annotations

import re

from services.tasks.models import Extension, ProgressReport
from shared.auth import Principal
from shared.web import session as web_session

BASE = "/tasks/api/v1/tasks"
HTML = {"Accept": "text/html"}


class Browser:
    """A signed-in browser: the session cookie, and the CSRF token its forms carry."""

    def __init__(self, svc, sub: str, unit: str | None, roles: tuple[str, ...]):
        self.client = svc.app.test_client()
        secret = svc.runtime.settings.session_secret
        cookie = web_session.issue(secret, Principal(sub, unit, frozenset(roles)))
        self.csrf = web_session.read(secret, cookie).csrf
        self.client.set_cookie(web_session.COOKIE, cookie, path="/")

    def get(self, path: str):
        return self.client.get(path, headers=HTML)

    def post(self, path: str, **form):
        return self.client.post(path, headers=HTML, data={web_session.CSRF_FIELD: self.csrf, **form})


def assign(svc, *, by_sub="cb.truongphong", unit="SO-NV", assignee="cb.nguyenvana", due="2026-11-27T17:00:00+07:00"):
    response = svc.client.post(BASE, headers=svc.headers(sub=by_sub, unit=unit, roles=("head",)), json={
        "title": "Rà soát hồ sơ quá hạn <của phòng>", "lead_unit": unit, "due_at": due, "assignee": assignee})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["code"]


def count(svc, table) -> int:
    return svc.scalar(f"SELECT count(*) FROM {table.__tablename__}")


def test_an_officer_reports_progress_and_asks_for_an_extension_that_her_head_approves(start_service):
    svc = start_service("tasks", workers=False)
    code = assign(svc)
    officer = Browser(svc, "cb.nguyenvana", "SO-NV", ("officer",))
    head = Browser(svc, "cb.truongphong", "SO-NV", ("head",))

    listing = officer.get("/tasks/workbench")
    assert listing.status_code == 200
    page = listing.get_data(as_text=True)
    assert "Rà soát hồ sơ quá hạn &lt;của phòng&gt;" in page  # escaped
    # Monday 16th 09:00 → Friday 27th 17:00: ten working days less the first hour.
    assert "Giao cho bạn" in page and "Còn 9,88 ngày" in page

    reported = officer.post(f"/tasks/workbench/{code}/progress", progress_percent="40",
                            progress_text="Đã rà soát 40 hồ sơ")
    assert reported.status_code == 303 and reported.headers["Location"].endswith(f"/tasks/workbench/{code}")
    asked = officer.post(f"/tasks/workbench/{code}/extensions", extension_date="2026-12-04",
                         extension_reason="Chờ số liệu của các phường")
    assert asked.status_code == 303

    task_page = officer.get(f"/tasks/workbench/{code}").get_data(as_text=True)
    assert "Đã rà soát 40 hồ sơ" in task_page and "Chờ quyết định" in task_page
    assert "04/12/2026 17:00" in task_page
    assert "Gửi đề nghị gia hạn" not in task_page  # one request at a time
    assert f'name="csrf_token" value="{officer.csrf}"' in task_page  # its forms carry the session's token

    unit_page = head.get("/tasks/unit").get_data(as_text=True)
    assert "Chờ số liệu của các phường" in unit_page
    extension_id = re.search(r"/extensions/(\d+)/decision", unit_page).group(1)
    assert f'name="csrf_token" value="{head.csrf}"' in unit_page
    decided = head.post(f"/tasks/workbench/{code}/extensions/{extension_id}/decision", back="unit",
                        decision="approve", reason="Đồng ý, hoàn thành trước 04/12")
    assert decided.status_code == 303 and decided.headers["Location"].endswith("/tasks/unit")

    after = officer.get(f"/tasks/workbench/{code}").get_data(as_text=True)
    assert "Đồng ý, hoàn thành trước 04/12" in after and "Đồng ý" in after
    assert svc.client.get(f"{BASE}/{code}", headers=svc.headers()).get_json()["due_at"].startswith("2026-12-04T17:00")


def test_forms_with_something_to_fix_come_back_with_an_error_summary_and_change_nothing(start_service):
    svc = start_service("tasks", workers=False)
    code = assign(svc)
    officer = Browser(svc, "cb.nguyenvana", "SO-NV", ("officer",))

    no_reason = officer.post(f"/tasks/workbench/{code}/extensions", extension_date="2026-12-04", extension_reason="")
    assert no_reason.status_code == 422
    page = no_reason.get_data(as_text=True)
    assert 'class="error-summary"' in page and 'href="#extension_reason"' in page
    assert 'value="2026-12-04"' in page  # what she typed is kept
    earlier = officer.post(f"/tasks/workbench/{code}/extensions", extension_date="2026-11-20",
                           extension_reason="Chờ số liệu")
    assert earlier.status_code == 422 and 'href="#extension_date"' in earlier.get_data(as_text=True)
    bad_percent = officer.post(f"/tasks/workbench/{code}/progress", progress_percent="140", progress_text="x")
    assert bad_percent.status_code == 422
    assert 'href="#progress_percent"' in bad_percent.get_data(as_text=True)
    assert count(svc, Extension) == 0 and count(svc, ProgressReport) == 0

    no_token = officer.client.post(f"/tasks/workbench/{code}/progress", headers=HTML,
                                   data={"progress_percent": "10", "progress_text": "Đã làm"})
    assert no_token.status_code == 403 and count(svc, ProgressReport) == 0


def test_pages_a_reader_may_not_see_answer_403(start_service):
    svc = start_service("tasks", workers=False)
    code = assign(svc)
    stranger = Browser(svc, "cb.khac", "SO-TC", ("officer",))
    officer = Browser(svc, "cb.nguyenvana", "SO-NV", ("officer",))

    assert stranger.get(f"/tasks/workbench/{code}").status_code == 403
    assert "Bạn không có quyền" in stranger.get(f"/tasks/workbench/{code}").get_data(as_text=True)
    assert officer.get("/tasks/unit").status_code == 403
    assert officer.client.get("/tasks/workbench", headers=HTML).status_code == 200
    signed_out = svc.app.test_client().get("/tasks/workbench", headers=HTML)
    assert signed_out.status_code == 303 and "/discipline/sign-in" in signed_out.headers["Location"]


def test_a_head_sees_requests_she_did_not_assign_without_a_decision_form(start_service):
    svc = start_service("tasks", workers=False)
    office = svc.headers(sub="vp.chanhvanphong", unit="VP-UBND", roles=("office",))
    response = svc.client.post(BASE, headers=office, json={
        "title": "Báo cáo UBND", "lead_unit": "SO-NV", "due_at": "2026-11-27T17:00:00+07:00"})
    code = response.get_json()["code"]
    officer = Browser(svc, "cb.nguyenvana", "SO-NV", ("officer",))
    head = Browser(svc, "cb.truongphong", "SO-NV", ("head",))
    assert officer.post(f"/tasks/workbench/{code}/extensions", extension_date="2026-12-04",
                        extension_reason="Chờ số liệu").status_code == 303

    page = head.get("/tasks/unit").get_data(as_text=True)
    assert "Chờ số liệu" in page and "vp.chanhvanphong" in page
    assert "/decision" not in page


def test_the_pages_speak_english_on_request(start_service):
    svc = start_service("tasks", workers=False)
    code = assign(svc)
    officer = Browser(svc, "cb.nguyenvana", "SO-NV", ("officer",))

    listing = officer.get("/tasks/workbench?lang=en").get_data(as_text=True)
    assert "<h1>My tasks</h1>" in listing and "Assigned to you" in listing and "Not started" in listing
    refused = officer.post(f"/tasks/workbench/{code}/extensions", extension_date="", extension_reason="")
    page = refused.get_data(as_text=True)  # the language cookie set by ?lang=en is remembered
    assert refused.status_code == 422 and "Give the reason for the extension" in page
    assert "Choose the new deadline" in page and "Send the extension request" in page
