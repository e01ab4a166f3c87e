"""Demo tasks: a directive, tasks due soon and one due seconds after start, a recurring report."""

from __future__ import annotations

import random
from datetime import date, timedelta

from services.tasks.domain import Recurrence
from services.tasks.use_cases import assignment as task_assignment
from services.tasks.use_cases import directives as task_directives
from services.tasks.use_cases import queries as task_queries
from shared.auth import Principal
from shared.errors import Conflict


def load_tasks(rt, rng: random.Random) -> None:
    office = Principal("demo-office", "HN-VP", frozenset({"office"}))
    now = rt["tasks"].clock.now()
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
