"""The Monday list in a browser: the tasks due (deadline passed or within the week) with no progress report
in the last 7 days, grouped by lead unit, for the Office to report every Monday (seed 001, item 8; the
digest's rule in services/tasks/domain.py), each a link to the task's page."""

from __future__ import annotations

from datetime import timedelta

from flask import request

from services.tasks.pages.common import labels, pages, parse_date, translator
from services.tasks.use_cases import follow_up
from shared.web import current_principal, require_roles, runtime
from shared.web.pages import render

ENGLISH = {
    "Danh sách thứ Hai": "The Monday list",
    "Nhiệm vụ đã quá hạn hoặc đến hạn trong tuần từ thứ Hai {start} đến Chủ nhật {end} mà 7 ngày qua chưa có báo "
    "cáo tiến độ, theo đơn vị chủ trì; tính đến {as_of}.":
        "Tasks overdue or due in the week from Monday {start} to Sunday {end} with no progress report in the "
        "last 7 days, by lead unit; as of {as_of}.",
    "Không có nhiệm vụ nào đến hạn mà chưa báo cáo.": "No task is due without a report.",
    "{count} nhiệm vụ đến hạn chưa báo cáo.": "{count} tasks due and not reported.",
    "Nhiệm vụ đến hạn chưa báo cáo của {unit}": "Tasks due and not reported of {unit}",
    "Người giao": "Assigned by", "Báo cáo gần nhất": "Latest report", "Chưa báo cáo": "Not reported",
    "Văn bản": "Document",
    "Danh sách tuần từ thứ Hai {start} đến Chủ nhật {end} như đã tổng hợp sáng thứ Hai, theo đơn vị chủ trì; "
    "trạng thái tính đến {as_of}.":
        "The list of the week from Monday {start} to Sunday {end} as compiled on Monday morning, by lead unit; "
        "states as of {as_of}.",
    "Thứ Hai {day}, danh sách đã gửi {leaders} người giao nhiệm vụ, gồm {count} nhiệm vụ.":
        "On Monday {day} the list went to {leaders} assigners, {count} tasks in all.",
    "Thứ Hai tuần này chưa có danh sách nào được gửi.": "No list was sent this week's Monday.",
    "Tuần trước": "Previous week", "Tuần sau": "Next week", "Các tuần": "Weeks",
}
_ = translator(ENGLISH)


@pages.get("/monday")
@require_roles("office", "admin")
def monday():
    # `?week=` any day of an earlier week (its Monday is taken); none or unreadable: the current week.
    week = parse_date(request.args.get("week", ""))
    listing = follow_up.monday_list(runtime().uow(), current_principal(required=True), week)
    return render("tasks_monday.html", title=_("Danh sách thứ Hai"), listing=listing,
                  sunday=listing.week + timedelta(days=6), previous=listing.week - timedelta(days=7),
                  following=listing.week + timedelta(days=7), **labels(_))
