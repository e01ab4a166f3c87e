"""Demo tasks: a directive, tasks due soon and one due seconds after start, a recurring report; officials'
weekly work plans for the current week and a head's quarterly plan of the last quarter, self-assessed."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from time import monotonic, sleep

from kycuong.demo.people import STAFFED, uow_at
from services.tasks import domain as task_domain
from services.tasks.domain import Recurrence
from services.tasks.use_cases import assignment as task_assignment
from services.tasks.use_cases import directives as task_directives
from services.tasks.use_cases import directory as tasks_directory
from services.tasks.use_cases import extensions as task_extensions
from services.tasks.use_cases import plans as task_plans
from services.tasks.use_cases import queries as task_queries
from shared.auth import Principal
from shared.errors import Conflict

# The units this module names: they reach the tasks service as discipline's `directory.unit_upserted`
# events, asynchronously after `load_directory`; a code not in its directory is refused.
DEMO_UNITS = ("HN-SNV", "HN-STP", "HN-SXD")
DIRECTORY_WAIT_SECONDS = 60.0


def _wait_for_directory(rt, units=DEMO_UNITS) -> None:
    deadline = monotonic() + DIRECTORY_WAIT_SECONDS
    while missing := tasks_directory.missing_units(rt.uow(), list(units)):
        if monotonic() > deadline:
            raise RuntimeError(f"the directory has not reached the tasks service after "
                               f"{DIRECTORY_WAIT_SECONDS:g} s (missing {', '.join(sorted(missing))}): "
                               f"is its worker consuming kycuong.events?")
        sleep(0.1)


def load_tasks(rt, rng: random.Random) -> None:
    office = Principal("demo-office", "HN-VP", frozenset({"office"}))
    now = rt["tasks"].clock.now()
    _wait_for_directory(rt["tasks"])
    existing = task_queries.list_tasks(rt["tasks"].uow(), office, None, "01/CT-UBND", 1, 1).total
    if not existing:
        try:
            task_directives.register_directive(rt["tasks"].uow(), task_directives.RegisterDirective(
                number_symbol="01/CT-UBND", issued_on=date(2026, 1, 5), signer="Chủ tịch UBND Thành phố",
                summary="Tăng cường kỷ luật, kỷ cương hành chính; cá thể hóa trách nhiệm người đứng đầu"), office)
        except Conflict:
            pass
        for unit, title, due in [
            ("HN-SNV", "Tổng hợp kết quả kiểm tra công vụ tháng, báo cáo UBND Thành phố trước ngày 25",
             now + timedelta(days=rng.randint(5, 20))),
            ("HN-STP", "Rà soát quy trình nội bộ giải quyết thủ tục hành chính, công khai trên Cổng thông tin",
             now + timedelta(days=rng.randint(5, 20))),
            # Due a few seconds after start: the sweep finds it overdue and its unit's head is asked.
            ("HN-SXD", "Báo cáo tình hình giải quyết hồ sơ cấp phép xây dựng quá hạn, làm rõ trách nhiệm cá nhân",
             now + timedelta(seconds=10)),
        ]:
            task_assignment.assign_task(rt["tasks"].uow(), task_assignment.AssignTask(
                title=title, lead_unit=unit, due_at=due, co_units=["HN-SNV"] if unit != "HN-SNV" else [],
                document="01/CT-UBND"), office)
        task_assignment.assign_task(rt["tasks"].uow(), task_assignment.AssignTask(
            title="Báo cáo định kỳ hằng tháng kết quả thực hiện Chỉ thị (trước ngày 20)", lead_unit="HN-STP",
            recurrence=Recurrence(kind="monthly", day_of_month=20), document="01/CT-UBND"), office)
        _a_heads_task_with_an_extension_asked(rt["tasks"], now)
    load_plans(rt, rng)


def _a_heads_task_with_an_extension_asked(tasks, now: datetime) -> None:
    """The Director of Construction gives one of his officials a task, who asks to extend it: the assigner
    decides (DOMAIN: "the assigner approves or refuses"), so the head has a request waiting on his page."""
    head = Principal("CB-SXD-01", "HN-SXD", frozenset({"officer", "head"}))
    officer = Principal("CB-SXD-11", "HN-SXD", frozenset({"officer"}))
    task = task_assignment.assign_task(tasks.uow(), task_assignment.AssignTask(
        title="Rà soát 12 hồ sơ cấp phép xây dựng tồn đọng, đề xuất hướng giải quyết từng hồ sơ",
        lead_unit="HN-SXD", assignee="CB-SXD-11", due_at=now + timedelta(days=3)), head)
    task_extensions.request_extension(tasks.uow(), task.code, task_extensions.RequestExtension(
        requested_due_at=now + timedelta(days=10),
        reason="Chờ ý kiến thẩm định của Sở Quy hoạch - Kiến trúc đối với 4 hồ sơ; đề nghị gia hạn thêm 7 ngày."),
        officer)


# What officials of a Department of Construction and of a ward plan in a week (Plan 69/KH-UBND, II.3.c).
WEEKLY_WORK = {
    "HN-SXD": ["Thẩm định hồ sơ cấp giấy phép xây dựng được phân công", "Kiểm tra hiện trạng công trình theo hồ sơ",
               "Dự thảo văn bản trả lời kiến nghị của doanh nghiệp", "Cập nhật tiến độ hồ sơ trên hệ thống một cửa",
               "Tổng hợp báo cáo tuần về hồ sơ quá hạn"],
    "HN-STP": ["Thẩm định hồ sơ cấp phiếu lý lịch tư pháp", "Rà soát quy trình nội bộ giải quyết thủ tục hành chính",
               "Trả lời phản ánh của công dân về thời hạn giải quyết", "Họp giao ban phòng"],
    "W00070": ["Tiếp nhận, giải quyết hồ sơ đăng ký khai sinh, kết hôn", "Số hóa hồ sơ, kết quả đã trả",
               "Đối soát sổ hộ tịch với cơ sở dữ liệu", "Báo cáo tuần kết quả giải quyết thủ tục hành chính"],
}
QUARTER_WORK = [
    "Chỉ đạo giải quyết dứt điểm hồ sơ cấp phép xây dựng tồn đọng",
    "Tổ chức tự kiểm tra việc chấp hành kỷ luật, kỷ cương hành chính tại các phòng",
    "Ký thư xin lỗi đúng hạn đối với hồ sơ có nguy cơ quá hạn",
    "Công khai quy trình nội bộ giải quyết công việc trên Cổng thông tin của Sở",
    "Sơ kết công tác cải cách hành chính quý, báo cáo UBND Thành phố trước ngày 20",
]


def load_plans(rt, rng: random.Random) -> None:
    """Weekly plans of two officials of each of three units for the current week (submitted; the items of
    days gone by marked done, one of them a day late), and the quarterly plan of the Director of
    Construction (CB-SXD-01) for the last quarter, self-assessed on its last working day."""
    tasks = rt["tasks"]
    cal = tasks.calendar
    now = tasks.clock.now()
    today = now.astimezone(cal.tz).date()
    week = task_domain.period_of("week", today)
    for unit, _, officials, _ in STAFFED:
        if unit not in WEEKLY_WORK:
            continue
        for official, _ in officials:
            me = Principal(official, unit, frozenset({"officer"}))
            days = _working_days(week, cal.is_working_day) or [week.first_day]
            work = rng.sample(WEEKLY_WORK[unit], k=min(len(days), len(WEEKLY_WORK[unit]), 4))
            # Spread over the week's working days, the first on Monday and the last on Friday.
            spread = [days[i * (len(days) - 1) // max(len(work) - 1, 1)] for i in range(len(work))]
            items = [task_domain.PlanItemDraft(title, day) for title, day in zip(work, spread, strict=True)]
            try:
                plan = task_plans.write_plan(tasks.uow(), task_plans.WritePlan(week.label, items), me)
            except Conflict:
                continue  # loaded before
            task_plans.submit_plan(tasks.uow(), plan.code, me)
            for item in plan.items:
                done_on = item.planned_on + timedelta(days=1 if rng.random() < 0.25 else 0)
                if done_on < today:
                    task_plans.mark_item_done(tasks.uow(), plan.code, item.position,
                                              task_plans.MarkItemDone(done_on), me)
    _quarterly_plan_of_a_head(tasks, today)


def _quarterly_plan_of_a_head(tasks, today: date) -> None:
    cal = tasks.calendar
    quarter = task_domain.period_of("quarter", task_domain.period_of("quarter", today).first_day - timedelta(days=1))
    head = Principal("CB-SXD-01", "HN-SXD", frozenset({"head"}))
    days = _working_days(quarter, cal.is_working_day)
    items = [task_domain.PlanItemDraft(title, days[(i + 1) * len(days) // (len(QUARTER_WORK) + 1)])
             for i, title in enumerate(QUARTER_WORK)]
    start = datetime.combine(days[0], time(8, 30), tzinfo=cal.tz)
    try:
        plan = task_plans.write_plan(uow_at(tasks, start), task_plans.WritePlan(quarter.label, items), head)
    except Conflict:
        return
    task_plans.submit_plan(uow_at(tasks, start), plan.code, head)
    last = quarter.last_working_day(cal.is_working_day)
    closing = datetime.combine(last, time(15, 0), tzinfo=cal.tz)
    # Four of five done on their days; the last one waits for the wards' figures.
    for item in plan.items[:-1]:
        task_plans.mark_item_done(uow_at(tasks, closing), plan.code, item.position,
                                  task_plans.MarkItemDone(item.planned_on), head)
    task_plans.self_assess(uow_at(tasks, closing + timedelta(hours=1)), plan.code, task_plans.SelfAssess(
        level="good", comment="Hoàn thành đúng hạn 4/5 việc; sơ kết cải cách hành chính quý chưa xong do chờ "
                              "số liệu của các phường, chuyển sang quý sau. Đề xuất mức hoàn thành tốt nhiệm vụ."),
        head)


def _working_days(period: task_domain.PlanPeriod, is_working_day) -> list[date]:
    days, day = [], period.first_day
    while day <= period.last_day:
        if is_working_day(day):
            days.append(day)
        day += timedelta(days=1)
    return days
