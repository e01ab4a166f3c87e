"""Demo data for `kycuong up --demo`: real Hà Nội units, real procedures, dossiers already late.

Loaded through each service's own use cases (the composition root may call them all), so every
record produces its events and the late-dossier chain runs by itself: within one sweep interval
the overdue dossiers ask their officials and heads to explain, repeated lateness raises sanction
proposals, and the ranking changes. Safe to run again: codes are fixed and existing ones are kept.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta

from services.discipline import service as discipline
from services.dossiers import catalog
from services.dossiers import service as dossiers
from services.feedback import service as feedback
from services.tasks import service as tasks
from shared.auth import Principal
from shared.errors import Conflict, InvalidInput

# Units with staff in the demo: (unit, head, officials, procedures handled there)
STAFFED = [
    ("HN-SXD", ("CB-SXD-01", "Nguyễn Hữu Thắng", "Giám đốc"),
     [("CB-SXD-11", "Lê Thị Thu Hà"), ("CB-SXD-12", "Phạm Quốc Việt")], ["1.013225"]),
    ("HN-STP", ("CB-STP-01", "Trần Thị Hồng Nhung", "Giám đốc"),
     [("CB-STP-11", "Đỗ Minh Đức"), ("CB-STP-12", "Vũ Thị Lan")], ["2.000635"]),
    ("HN-STC", ("CB-STC-01", "Hoàng Văn Dũng", "Giám đốc"),
     [("CB-STC-11", "Ngô Thanh Tùng"), ("CB-STC-12", "Bùi Thị Mai")], ["1.001612"]),
    ("W00070", ("CB-W070-01", "Đặng Văn Long", "Chủ tịch UBND phường"),
     [("CB-W070-11", "Trịnh Thị Ngọc"), ("CB-W070-12", "Lý Văn Khoa")], ["1.001193", "2.000815"]),
    ("W00004", ("CB-W004-01", "Phan Thị Thảo", "Chủ tịch UBND phường"),
     [("CB-W004-11", "Nguyễn Đức Anh"), ("CB-W004-12", "Tạ Thị Hương")], ["1.001193", "2.000815"]),
    ("W00073", ("CB-W073-01", "Võ Minh Quân", "Chủ tịch UBND phường"),
     [("CB-W073-11", "Cao Thị Yến"), ("CB-W073-12", "Đinh Văn Hải")], ["1.001193", "2.000815"]),
]

APPLICANTS = ["Nguyễn Văn An", "Trần Thị Bích", "Lê Hoàng Nam", "Phạm Thị Dung", "Hoàng Minh Tuấn",
              "Vũ Thị Hạnh", "Đặng Quang Huy", "Bùi Thị Lan Anh", "Đỗ Văn Sơn", "Ngô Thị Thanh Thủy"]


def load(platform, progress: Callable[[str], None] = print) -> dict:
    rt = platform.runtimes
    rng = random.Random(20261121)  # the same demo every time
    counts = {}

    progress("demo 1/4: đơn vị hành chính Hà Nội (126 phường, xã) và các sở, ngành…")
    d = rt["discipline"]
    discipline.import_province(d.uow(), 1)
    discipline.import_departments(d.uow())
    for unit, (head, head_name, position), officials, _ in STAFFED:
        discipline.upsert_official(d.uow(), head, head_name, unit, "cong_chuc", position, True)
        discipline.assign_head(d.uow(), unit, head, date(2025, 7, 1))
        for code, name in officials:
            discipline.upsert_official(d.uow(), code, name, unit, "cong_chuc", "Chuyên viên", False)

    progress("demo 2/4: thủ tục hành chính (danh mục mẫu)…")
    # The shipped sample of real portal procedures; importing it again changes nothing.
    try:
        catalog.import_file(rt["dossiers"].uow(), catalog.SAMPLE)
    except InvalidInput as exc:  # a data folder whose catalog was edited since: keep what is there
        progress(f"demo: the procedure catalog already there was kept ({exc.message})")

    progress("demo 3/4: hồ sơ (một số đã quá hạn)…")
    counts["dossiers"] = _load_dossiers(rt["dossiers"], rng)

    progress("demo 4/4: nhiệm vụ được giao và phản ánh…")
    _load_tasks_and_feedback(rt, rng)
    progress(f"demo loaded: {counts['dossiers']} new dossiers; the overdue sweep runs every "
             f"{rt['dossiers'].settings.sweep_interval:g}s and the chain follows by itself")
    return counts


def _load_dossiers(dossiers_rt, rng: random.Random) -> int:
    now = dossiers_rt.clock.now().astimezone(dossiers_rt.calendar.tz)
    created = 0
    number = 0
    for unit, _head, officials, procedures in STAFFED:
        for i in range(10):
            number += 1
            code = f"HS-DEMO-{number:04d}"
            procedure = procedures[i % len(procedures)]
            # Open dossiers all sit with the first official: repeated lateness is what the sanction
            # rules look for, so the demo shows a proposal too.
            official = officials[0][0] if i % 3 == 2 else officials[i % len(officials)][0]
            # Received 2 to 25 calendar days ago, during office hours.
            received = (now - timedelta(days=rng.randint(2, 25))).replace(
                hour=rng.choice([8, 9, 10, 14]), minute=rng.choice([0, 15, 30, 45]), second=0, microsecond=0)
            try:
                view = dossiers.receive_dossier(dossiers_rt.uow(), {
                    "code": code, "procedure_code": procedure, "unit": unit, "received_at": received,
                    "handler": official, "channel": rng.choice(["direct", "online"]),
                    "applicant": {"name": rng.choice(APPLICANTS), "phone": f"09{rng.randint(10_000_000, 99_999_999)}"},
                })
            except (Conflict, InvalidInput):
                continue  # kept from an earlier run
            created += 1
            due = view["due_at"]
            # Two in three are finished: most on time, some late; the rest stay open (and may be overdue).
            if i % 3 != 2:
                late = i % 5 == 4
                finish = due + timedelta(days=2) if late else received + (due - received) * rng.uniform(0.3, 0.9)
                if finish < now:
                    dossiers.complete_dossier(dossiers_rt.uow(), code, completed_at=finish)
    return created


def _load_tasks_and_feedback(rt, rng: random.Random) -> None:
    office = Principal("demo-office", "HN-VP", frozenset({"office"}))
    now = rt["tasks"].clock.now()
    existing = tasks.list_tasks(rt["tasks"].uow(), office, None, "01/CT-UBND", 1, 1)["total"]
    if not existing:
        try:
            tasks.create_directive(rt["tasks"].uow(), {
                "number_symbol": "01/CT-UBND", "issued_on": date(2026, 1, 5), "signer": "Chủ tịch UBND Thành phố",
                "summary": "Tăng cường kỷ luật, kỷ cương hành chính; cá thể hóa trách nhiệm người đứng đầu"}, office)
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
            tasks.assign_task(rt["tasks"].uow(), {"title": title, "lead_unit": unit, "due_at": due,
                                                  "co_units": ["HN-SNV"] if unit != "HN-SNV" else [],
                                                  "document": "01/CT-UBND"}, office)
        tasks.assign_task(rt["tasks"].uow(), {
            "title": "Báo cáo định kỳ hằng tháng kết quả thực hiện Chỉ thị (trước ngày 20)", "lead_unit": "HN-STP",
            "recurrence": {"kind": "monthly", "day_of_month": 20}, "document": "01/CT-UBND"}, office)
    if feedback.list_feedback(rt["feedback"].uow(), office, None, None, 1, 1)["total"]:
        return
    for unit, content in [
        ("HN-SXD", "Hồ sơ xin cấp giấy phép xây dựng của gia đình tôi đã quá hẹn nhưng chưa được trả lời."),
        ("W00070", "Cán bộ một cửa yêu cầu bổ sung giấy tờ không có trong danh mục thủ tục."),
    ]:
        feedback.submit_feedback(rt["feedback"].uow(), {"channel": "web", "category": "delay", "content": content,
                                                        "unit": unit, "anonymous": True})
