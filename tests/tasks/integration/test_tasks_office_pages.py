"""The Office's task pages without a browser: registering a directive, assigning tasks from it, the directive's
page with each task's state, the Monday list of the current week by unit, the leader's summary; forms with
something to fix shown again (422) with nothing saved; the pages are the Office's (403 for an officer)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from test_tasks_directory_codes import with_directory
from test_tasks_pages import Browser, count

from services.tasks.models import Directive, Task
from services.tasks.use_cases import extensions, follow_up, progress, reminders
from shared.auth import Principal

OFFICE = ("vp", "VP-UBND", ("office",))
HANOI = timezone(timedelta(hours=7))


def register(office: Browser, number="01/CT-UBND"):
    return office.post("/tasks/directives/new", number_symbol=number, issued_on="2026-11-10",
                       signer="Chủ tịch UBND Thành phố", summary="Tăng cường kỷ luật, kỷ cương hành chính")


def assign(office: Browser, title, due_date, lead="SO-NV", co_units=("SO-TC",), number="01/CT-UBND", step="confirm"):
    return office.client.post(f"/tasks/directives/{number}/assign", headers={"Accept": "text/html"}, data={
        "csrf_token": office.csrf, "title": title, "lead_unit": lead, "co_units": list(co_units),
        "due_date": due_date, "required_product": "Báo cáo kết quả", "assignee": "", "step": step})


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
    past = assign(office, "Rà soát hồ sơ quá hạn", "2026-11-13", step="")
    assert past.status_code == 422 and "Hạn hoàn thành phải sau thời điểm hiện tại" in past.get_data(as_text=True)
    assert count(svc, Task) == 0

    # The answers are shown for checking first, nothing saved; "change" goes back to the form with them.
    check = assign(office, "Rà soát hồ sơ quá hạn tháng 11", "2026-11-20", step="")
    assert check.status_code == 200 and count(svc, Task) == 0
    checked = check.get_data(as_text=True)
    assert "Kiểm tra trước khi giao nhiệm vụ" in checked and "20/11/2026 17:00" in checked and "Sở Tài chính" in checked
    assert 'name="step" value="confirm"' in checked and '<input type="hidden" name="co_units" value="SO-TC">' in checked
    change = assign(office, "Rà soát hồ sơ quá hạn tháng 11", "2026-11-20", step="change").get_data(as_text=True)
    assert '<option value="SO-TC" selected>Sở Tài chính</option>' in change and 'value="2026-11-20"' in change
    assert count(svc, Task) == 0
    assigned = assign(office, "Rà soát hồ sơ quá hạn tháng 11", "2026-11-20")
    assert assigned.status_code == 303 and assigned.headers["Location"].endswith("/tasks/directives/01/CT-UBND")
    assert assign(office, "Sơ kết quý IV", "2026-12-15", lead="SO-TC", co_units=()).status_code == 303

    directive = office.get("/tasks/directives/01/CT-UBND").get_data(as_text=True)
    assert "Rà soát hồ sơ quá hạn tháng 11" in directive and "Sơ kết quý IV" in directive
    assert "20/11/2026 17:00" in directive and "Sở Nội vụ" in directive and "Chưa bắt đầu" in directive
    first = svc.scalar("SELECT code FROM tasks WHERE title = 'Rà soát hồ sơ quá hạn tháng 11'")
    officer = Principal("cb.nv", "SO-NV", frozenset({"officer"}))
    progress.report_progress(svc.runtime.uow(), first, progress.ReportProgress(40, "Đã rà soát 40 hồ sơ"), officer)
    extensions.request_extension(svc.runtime.uow(), first, extensions.RequestExtension(
        datetime(2026, 11, 27, 17, tzinfo=HANOI), "Chờ số liệu của các phường"), officer)
    directive = office.get("/tasks/directives/01/CT-UBND").get_data(as_text=True)
    assert "Đã rà soát 40 hồ sơ" in directive and "40%" in directive and "Đang thực hiện" in directive
    assert "Chờ quyết định" in directive and "27/11/2026 17:00" in directive
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
    assert "Thứ Hai tuần này chưa có danh sách nào được gửi." in office.get("/tasks/monday").get_data(as_text=True)
    assert reminders.compile_monday_digests(svc.runtime.uow()) == 1  # Monday 16/11 09:00: the leaders' lists
    clock.advance(days=2)  # Wednesday 18/11: still the week of Monday 16/11
    assign(office, "Giao thứ Tư, đến hạn trong tuần", "2026-11-20", lead="SO-TC", co_units=())

    listing = follow_up.monday_list(svc.runtime.uow(), Principal(*OFFICE[:2], frozenset(OFFICE[2])))
    assert listing.week.isoformat() == "2026-11-16"
    # Computed now: the task assigned on Wednesday is on it too, under its unit.
    assert [(g.unit, [t.title for t in g.tasks]) for g in listing.groups] == [
        ("SO-NV", ["Đến hạn trong tuần"]), ("SO-TC", ["Giao thứ Tư, đến hạn trong tuần"])]
    assert listing.live and [d.leader for d in listing.sent] == ["vp"] and listing.sent_tasks == 1

    page = office.get("/tasks/monday").get_data(as_text=True)
    assert "16/11/2026" in page and "22/11/2026" in page and "Sở Nội vụ" in page
    assert "Đến hạn trong tuần" in page and "Đến hạn tuần sau" not in page and "đã báo cáo" not in page
    assert "danh sách đã gửi 1 người giao nhiệm vụ, gồm 1 nhiệm vụ" in page

    clock.advance(days=7)  # Wednesday 25/11: the next week; the report is 9 days old, the first task overdue
    titles = [t.title for g in follow_up.monday_list(svc.runtime.uow(), Principal(
        *OFFICE[:2], frozenset(OFFICE[2]))).groups for t in g.tasks]
    assert sorted(titles) == ["Giao thứ Tư, đến hạn trong tuần", "Đến hạn trong tuần", "Đến hạn trong tuần, đã báo cáo",
                              "Đến hạn tuần sau"]
    # An earlier week: what its Monday's digests held, each task in its state now.
    earlier = office.get("/tasks/monday?week=2026-11-18").get_data(as_text=True)
    assert "như đã tổng hợp sáng thứ Hai" in earlier and "16/11/2026" in earlier
    assert "Đến hạn trong tuần" in earlier and "Quá hạn" in earlier and "Giao thứ Tư" not in earlier
    later = follow_up.monday_list(svc.runtime.uow(), Principal(*OFFICE[:2], frozenset(OFFICE[2])),
                                  datetime(2027, 1, 4).date())
    assert later.live and later.week.isoformat() == "2026-11-23"  # no list of a week to come


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
