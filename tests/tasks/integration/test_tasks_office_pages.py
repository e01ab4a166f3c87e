"""The Office's task pages without a browser: registering a directive, assigning tasks from it, the directive's
page with each task's state, the Monday list of the current week by unit, the leader's summary; forms with
something to fix shown again (422) with nothing saved; the pages are the Office's (403 for an officer)."""

from __future__ import annotations

from test_tasks_directory_codes import with_directory
from test_tasks_pages import Browser, count

from services.tasks.models import Directive, Task
from services.tasks.use_cases import follow_up, progress
from shared.auth import Principal

OFFICE = ("vp", "VP-UBND", ("office",))


def register(office: Browser, number="01/CT-UBND"):
    return office.post("/tasks/directives/new", number_symbol=number, issued_on="2026-11-10",
                       signer="Chủ tịch UBND Thành phố", summary="Tăng cường kỷ luật, kỷ cương hành chính")


def assign(office: Browser, title, due_date, lead="SO-NV", co_units=("SO-TC",), number="01/CT-UBND"):
    return office.client.post(f"/tasks/directives/{number}/assign", headers={"Accept": "text/html"}, data={
        "csrf_token": office.csrf, "title": title, "lead_unit": lead, "co_units": list(co_units),
        "due_date": due_date, "required_product": "Báo cáo kết quả", "assignee": ""})


def test_the_office_registers_a_directive_and_assigns_tasks_from_it(start_service):
    svc = start_service("tasks", workers=False)
    with_directory(svc)
    office = Browser(svc, *OFFICE)

    empty = office.post("/tasks/directives/new", number_symbol="01/CT-UBND", issued_on="", signer="", summary="")
    assert empty.status_code == 422
    page = empty.get_data(as_text=True)
    assert "Có lỗi cần sửa" in page and 'href="#issued_on"' in page and 'href="#signer"' in page
    assert count(svc, Directive) == 0

    registered = register(office)
    assert registered.status_code == 303
    assert registered.headers["Location"].endswith("/tasks/directives/01/CT-UBND")
    again = register(office)
    assert again.status_code == 422 and "đã được đăng ký trước đó" in again.get_data(as_text=True)

    form = office.get("/tasks/directives/01/CT-UBND/assign").get_data(as_text=True)
    assert '<option value="SO-TC">Sở Tài chính</option>' in form

    missing = assign(office, "", "")
    assert missing.status_code == 422
    assert 'href="#title"' in missing.get_data(as_text=True) and 'href="#due_date"' in missing.get_data(as_text=True)
    past = assign(office, "Rà soát hồ sơ quá hạn", "2026-11-13")
    assert past.status_code == 422 and "Hạn hoàn thành phải sau thời điểm hiện tại" in past.get_data(as_text=True)
    assert count(svc, Task) == 0

    assigned = assign(office, "Rà soát hồ sơ quá hạn tháng 11", "2026-11-20")
    assert assigned.status_code == 303 and assigned.headers["Location"].endswith("/tasks/directives/01/CT-UBND")
    assert assign(office, "Sơ kết quý IV", "2026-12-15", lead="SO-TC", co_units=()).status_code == 303

    directive = office.get("/tasks/directives/01/CT-UBND").get_data(as_text=True)
    assert "Rà soát hồ sơ quá hạn tháng 11" in directive and "Sơ kết quý IV" in directive
    assert "20/11/2026 17:00" in directive and "Sở Nội vụ" in directive and "Chưa bắt đầu" in directive
    listing = office.get("/tasks/directives").get_data(as_text=True)
    assert 'href="/tasks/directives/01/CT-UBND"' in listing and "Chủ tịch UBND Thành phố" in listing
    english = office.get("/tasks/directives/01/CT-UBND?lang=en").get_data(as_text=True)
    assert "Assign a task" in english and "Not started" in english


def test_the_monday_list_holds_the_weeks_tasks_without_a_report_by_unit(start_service, clock):
    svc = start_service("tasks", workers=False)
    with_directory(svc)
    office = Browser(svc, *OFFICE)
    register(office)
    assign(office, "Đến hạn trong tuần", "2026-11-20")
    assign(office, "Đến hạn tuần sau", "2026-11-23", lead="SO-TC", co_units=())
    assign(office, "Đến hạn trong tuần, đã báo cáo", "2026-11-19", lead="SO-TC", co_units=())
    reported = svc.scalar("SELECT code FROM tasks WHERE title = 'Đến hạn trong tuần, đã báo cáo'")
    progress.report_progress(svc.runtime.uow(), reported, progress.ReportProgress(30, "Đang làm"),
                             Principal("cb.tc", "SO-TC", frozenset({"officer"})))
    clock.advance(days=2)  # Wednesday 18/11: still the week of Monday 16/11

    listing = follow_up.monday_list(svc.runtime.uow(), Principal(*OFFICE[:2], frozenset(OFFICE[2])))
    assert listing.week.isoformat() == "2026-11-16"
    assert [(g.unit, [t.title for t in g.tasks]) for g in listing.groups] == [("SO-NV", ["Đến hạn trong tuần"])]

    page = office.get("/tasks/monday").get_data(as_text=True)
    assert "16/11/2026" in page and "22/11/2026" in page and "Sở Nội vụ" in page
    assert "Đến hạn trong tuần" in page and "Đến hạn tuần sau" not in page and "đã báo cáo" not in page

    clock.advance(days=7)  # Wednesday 25/11: the next week; the report is 9 days old, the first task overdue
    titles = [t.title for g in follow_up.monday_list(svc.runtime.uow(), Principal(
        *OFFICE[:2], frozenset(OFFICE[2]))).groups for t in g.tasks]
    assert sorted(titles) == ["Đến hạn trong tuần", "Đến hạn trong tuần, đã báo cáo", "Đến hạn tuần sau"]


def test_a_leaders_summary_and_who_may_see_the_office_pages(start_service):
    svc = start_service("tasks", workers=False)
    with_directory(svc)
    office = Browser(svc, *OFFICE)
    register(office)
    assign(office, "Rà soát hồ sơ quá hạn", "2026-11-20")
    leaders = office.get("/tasks/leaders").get_data(as_text=True)
    assert 'href="/tasks/leaders/vp"' in leaders
    summary = office.get("/tasks/leaders/vp")
    assert summary.status_code == 200 and "01/CT-UBND" in summary.get_data(as_text=True)

    officer = Browser(svc, "cb.nv", "SO-NV", ("officer",))
    for path in ("/tasks/directives", "/tasks/directives/new", "/tasks/monday", "/tasks/directives/01/CT-UBND"):
        assert officer.get(path).status_code == 403, path
    assert office.get("/tasks/directives/99/CT-UBND").status_code == 404
