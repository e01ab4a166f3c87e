"""What a periodic report lists: the province's figures from the ranked units, the units with late
dossiers, and the Monday list of tasks due but not reported."""

from datetime import datetime, timedelta, timezone

from services.reporting.domain.cadence import report_period
from services.reporting.domain.report_contents import (
    TaskLine,
    due_but_unreported,
    summary,
    task_rows,
    units_with_late_dossiers,
)

HANOI = timezone(timedelta(hours=7))

ITEMS = [
    {"unit": "SXD", "unit_name": "Sở Xây dựng", "kind_label": "Sở, ban, ngành", "rank": 1, "previous_rank": 2,
     "score": 19.5, "received": 40, "early": 10, "on_time": 39, "late": 1, "overdue_open": 0, "on_time_rate": 0.975},
    {"unit": "STP", "unit_name": "Sở Tư pháp", "kind_label": "Sở, ban, ngành", "rank": 2, "previous_rank": None,
     "score": 15.0, "received": 20, "early": 3, "on_time": 15, "late": 3, "overdue_open": 2, "on_time_rate": 0.75},
    {"unit": "PBD", "unit_name": "Phường Ba Đình", "kind_label": "Phường", "rank": 3, "previous_rank": 1,
     "score": 12.0, "received": 10, "early": 0, "on_time": 6, "late": 0, "overdue_open": 4, "on_time_rate": 0.6},
]


def monday_rows():
    """The Monday list of week 47 of 2026 from five tasks, judged at 00:00 on Monday 16/11."""
    period = report_period("weekly_tasks", "2026-W47")
    tz = HANOI
    tasks = [
        TaskLine("NV-1", "SXD", datetime(2026, 11, 10, 17, tzinfo=tz), None, None),
        TaskLine("NV-2", "SXD", datetime(2026, 11, 19, 17, tzinfo=tz), None, None),
        TaskLine("NV-3", "STP", datetime(2026, 11, 13, 17, tzinfo=tz), None,
                 datetime(2026, 11, 12, 9, tzinfo=tz)),  # reported within 7 days: not listed
        TaskLine("NV-4", "STP", datetime(2026, 11, 23, 8, tzinfo=tz), None, None),  # next week
        TaskLine("NV-5", "STP", datetime(2026, 11, 2, 17, tzinfo=tz), None, None),
    ]
    titles = {"NV-1": {"title": "Báo cáo kết quả thực hiện Chỉ thị 01/CT-UBND", "document": "01/CT-UBND"}}
    names = {"SXD": "Sở Xây dựng", "STP": "Sở Tư pháp"}
    titles = {"NV-1": {"title": "Báo cáo kết quả thực hiện Chỉ thị 01/CT-UBND", "document": "01/CT-UBND"}}
    names = {"SXD": "Sở Xây dựng", "STP": "Sở Tư pháp"}
    return task_rows(tasks, titles, names, period, tz)


def test_reporting_monday_list_keeps_open_tasks_due_this_week_without_a_recent_progress_report():
    rows = monday_rows()
    assert [(r["code"], r["status"], r["days_overdue"]) for r in rows] == [
        ("NV-5", "overdue", 14), ("NV-1", "overdue", 6), ("NV-2", "due_this_week", 0)]
    assert rows[1]["title"] == "Báo cáo kết quả thực hiện Chỉ thị 01/CT-UBND"
    period = report_period("weekly_tasks", "2026-W47")
    done_before = TaskLine("X", "SXD", datetime(2026, 11, 10, tzinfo=HANOI),
                           datetime(2026, 11, 15, tzinfo=HANOI), None)
    done_after = TaskLine("Y", "SXD", datetime(2026, 11, 10, tzinfo=HANOI),
                          datetime(2026, 11, 16, 9, tzinfo=HANOI), None)
    assert not due_but_unreported(done_before, period, HANOI)
    assert due_but_unreported(done_after, period, HANOI)  # still open at 00:00 on the Monday


def test_reporting_summary_adds_up_the_ranked_units():
    figures = summary(ITEMS)
    assert figures == {"units_ranked": 3, "received": 70, "on_time": 60, "early": 13, "late": 4, "overdue_open": 6,
                       "on_time_rate": 0.8571, "average_score": 15.5}
    assert [u["unit"] for u in units_with_late_dossiers(ITEMS)] == ["STP", "PBD", "SXD"]
