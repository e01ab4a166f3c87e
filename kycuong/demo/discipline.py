"""Demo discipline: an inspection whose finding went to a decision; explanations judged once asked."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta

from kycuong.demo.people import (
    ADMIN,
    COUNCIL,
    HEADS,
    INSPECTED_OFFICIAL,
    INSPECTED_UNIT,
    INSPECTOR,
    PUBLIC_EMPLOYEE,
    uow_at,
)
from services.discipline.use_cases import decisions as discipline_decisions
from services.discipline.use_cases import explanations as discipline_explanations
from services.discipline.use_cases import inspections as discipline_inspections
from services.discipline.use_cases import proposals as discipline_proposals
from shared.auth import Principal
from shared.errors import DomainError

log = logging.getLogger(__name__)


def load_inspection_to_decision(runtime) -> int:
    """A surprise inspection of W00070 about seven weeks ago found that an official of the one-stop desk
    asked citizens for papers the procedure does not require (what a citizen's feedback complained of).
    The finding is a misconduct violation; the rule proposes a reprimand, and the ward takes it through the
    review meeting, the council and the recommendation to a decision, each within its deadline and well
    within the 90-day handling limit, under the rule set in force on the day of the facts (Decree 172/2025
    for a công chức). The decision is signed on one day and takes effect three days later: it is in force
    12 months from then. A second inspection, of W00073, finds a viên chức late for work: her violation is
    judged by Decree 112/2020 as amended, since the set named Decree 234/2026 is unverified. Returns 1 when
    the decision was made now, 0 when an earlier run made it."""
    calendar = runtime.calendar
    now = runtime.clock.now().astimezone(calendar.tz)
    _load_public_employee_finding(runtime, now)
    if discipline_inspections.list_inspections(runtime.uow(), ADMIN, unit=INSPECTED_UNIT, page_size=1).total:
        return 0
    inspected = calendar.add_working_days(now, -35).replace(hour=15, minute=30, second=0, microsecond=0)
    inspection = discipline_inspections.NewInspection(
        unit=INSPECTED_UNIT, kind="surprise", inspected_on=inspected.date(),
        team=("Nguyễn Thị Minh Châu (Trưởng đoàn)", "Lê Quang Trung", "Phạm Thu Trang"),
        notes="Kiểm tra đột xuất Bộ phận một cửa theo phản ánh của người dân về việc yêu cầu giấy tờ ngoài quy định",
        findings=(discipline_inspections.Finding(
            category="misconduct", officials=(INSPECTED_OFFICIAL,),
            facts="Yêu cầu công dân nộp thêm bản sao sổ hộ khẩu và giấy xác nhận tình trạng hôn nhân khi "
                  "đăng ký khai sinh, không có trong thành phần hồ sơ thủ tục 1.001193; không hướng dẫn "
                  "một lần, đầy đủ"),))
    discipline_inspections.record_inspection(uow_at(runtime, inspected), INSPECTOR, inspection)
    proposals = discipline_proposals.list_sanction_proposals(runtime.uow(), ADMIN, official=INSPECTED_OFFICIAL).items
    proposal = next((p for p in proposals if p.violation_kind == "misconduct" and p.status != "decided"), None)
    if proposal is None:
        log.warning("demo: the inspection raised no proposal; the sanction rules may have changed")
        return 0
    at = proposal.created_at
    for step, after_days, extra in [
        ("review", 2, {"notes": "Họp kiểm điểm tại Bộ phận một cửa; cán bộ thừa nhận khuyết điểm"}),
        ("council", 4, {"members": COUNCIL, "notes": "Hội đồng kỷ luật do Chủ tịch UBND phường chủ trì"}),
        ("recommendation", 3, {"form": "khien_trach", "notes": "Hội đồng kiến nghị hình thức khiển trách"}),
        ("decision", 2, {"form": "khien_trach", "notes": "Quyết định kỷ luật khiển trách, có hiệu lực sau 3 ngày"}),
    ]:
        at = calendar.add_working_days(at, after_days).replace(hour=10, minute=0, second=0, microsecond=0)
        if step == "decision":
            extra = {**extra, "effective_on": at.date() + timedelta(days=3)}
        discipline_decisions.record_step(uow_at(runtime, at + timedelta(minutes=30)), proposal.code, step=step, at=at,
                               actor=HEADS[INSPECTED_UNIT], **extra)
    return 1


def _load_public_employee_finding(runtime, now) -> None:
    """A periodic inspection of W00073 three weeks ago found a viên chức at work late twice: a
    working-hours violation, cited with the rule set that judges viên chức today (Decree 112/2020 as amended
    by Decree 71/2023). Once per data folder."""
    code, _, unit, _ = PUBLIC_EMPLOYEE
    if discipline_inspections.list_inspections(runtime.uow(), ADMIN, unit=unit, page_size=1).total:
        return
    inspected = runtime.calendar.add_working_days(now, -15).replace(hour=8, minute=15, second=0, microsecond=0)
    inspection = discipline_inspections.NewInspection(
        unit=unit, kind="periodic", inspected_on=inspected.date(),
        team=("Nguyễn Thị Minh Châu (Trưởng đoàn)", "Lê Quang Trung"),
        notes="Kiểm tra công vụ định kỳ tại Trung tâm phục vụ hành chính công phường",
        findings=(discipline_inspections.Finding(
            category="working_hours", officials=(code,),
            facts="Có mặt tại quầy tiếp nhận lúc 08:15, sau giờ làm việc buổi sáng; đã đi muộn một lần trong "
                  "tuần trước theo sổ theo dõi của Trung tâm"),))
    discipline_inspections.record_inspection(uow_at(runtime, inspected + timedelta(hours=2)), INSPECTOR, inspection)


def judge_explanations_when_asked(runtime, stop: threading.Event, progress: Callable[[str], None],
                                   timeout: float = 120.0) -> None:
    """Once the chain has asked officials to explain overdue dossiers, two of them explain and their head
    judges: one explanation accepted (an objective cause), one rejected. Once per data folder: a restart
    finds them judged and does nothing."""
    try:
        judged = {status: discipline_explanations.list_explanations(runtime.uow(), ADMIN, status=status,
                                                                    page_size=1).total
                  for status in ("accepted", "rejected")}
        if all(judged.values()):
            return
        waited = 0.0
        while not stop.is_set() and waited < timeout:
            asked = discipline_explanations.list_explanations(runtime.uow(), ADMIN, role="official", status="requested",
                                                 page_size=200).items
            now = runtime.clock.now()
            asked = sorted((r for r in asked if r.subject_type == "dossier" and r.unit in HEADS and r.due_at > now),
                           key=lambda r: r.subject)
            # Two officials, one explanation each.
            asked = [r for i, r in enumerate(asked) if r.official not in {a.official for a in asked[:i]}]
            if len(asked) >= 2:
                break
            stop.wait(0.5)
            waited += 0.5
        else:
            return
        cases = [
            ("accepted", True,
             "Hồ sơ {subject} chậm vì phải chờ văn bản trả lời của cơ quan phối hợp; tôi đã báo cáo lãnh đạo và "
             "liên hệ người dân để thông báo lý do.",
             "Chấp nhận giải trình: nguyên nhân khách quan, đã chủ động báo cáo và thông báo cho người dân."),
            ("rejected", False,
             "Hồ sơ {subject} chậm do số lượng hồ sơ trong tuần nhiều.",
             "Không chấp nhận giải trình: hồ sơ không có vướng mắc, chậm do không theo dõi hạn xử lý; đề nghị "
             "rút kinh nghiệm."),
        ]
        for request, (status, accepted, text, reason) in zip(asked, cases, strict=False):
            if judged[status]:
                continue
            official = Principal(request.official, request.unit, frozenset({"officer"}))
            discipline_explanations.submit_explanation(runtime.uow(), official, request.code,
                                                       text.format(subject=request.subject))
            head = Principal(HEADS[request.unit], request.unit, frozenset({"head"}))
            discipline_explanations.judge_explanation(runtime.uow(), head, request.code, accepted, reason)
        progress("demo: hai giải trình đã được người đứng đầu xem xét (một chấp nhận, một không chấp nhận)")
    except DomainError as exc:  # e.g. someone judged it first over the API: the demo leaves it so
        log.warning("demo: explanations left as they are: %s", exc)


