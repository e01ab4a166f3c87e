"""Demo data for `kycuong up --demo`: real Hà Nội units, real procedures, dossiers already late.

Loaded through each service's own use cases (the composition root may call them all), so every
record produces its events and the late-dossier chain runs by itself: within one sweep interval
the overdue dossiers ask their officials and heads to explain, repeated lateness raises sanction
proposals, and the ranking changes. Safe to run again: codes are fixed and existing ones are kept.

What a newcomer can open besides (README, "What you see in the demo"): finished dossiers that went
through their steps (control sheets with hand-overs; a late one names the step that overran), one
dossier per staffed unit waiting for the citizen's supplement, an apology letter with a new return
date, a refused and a withdrawn dossier; an inspection whose finding went through the disciplinary
steps to a decision (public list of violators, the official's eligibility); explanations accepted
and rejected by the head once the chain has asked for them.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from decimal import Decimal

from services.discipline.use_cases import decisions as discipline_decisions
from services.discipline.use_cases import directory as discipline_directory
from services.discipline.use_cases import explanations as discipline_explanations
from services.discipline.use_cases import inspections as discipline_inspections
from services.discipline.use_cases import proposals as discipline_proposals
from services.dossiers.use_cases import apologies as dossier_apologies
from services.dossiers.use_cases import intake as dossier_intake
from services.dossiers.use_cases import lifecycle as dossier_lifecycle
from services.dossiers.use_cases import procedures as dossier_procedures
from services.feedback.domain import FeedbackForm
from services.feedback.use_cases import intake as feedback_intake
from services.feedback.use_cases import queries as feedback_queries
from services.tasks.domain import Recurrence
from services.tasks.use_cases import assignment as task_assignment
from services.tasks.use_cases import directives as task_directives
from services.tasks.use_cases import queries as task_queries
from shared.auth import Principal
from shared.clock import ManualClock
from shared.errors import Conflict, DomainError, InvalidInput

log = logging.getLogger(__name__)

SEED = 20261121  # the same demo every time

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
HEADS = {unit: head[0] for unit, head, _, _ in STAFFED}

APPLICANTS = ["Nguyễn Văn An", "Trần Thị Bích", "Lê Hoàng Nam", "Phạm Thị Dung", "Hoàng Minh Tuấn",
              "Vũ Thị Hạnh", "Đặng Quang Huy", "Bùi Thị Lan Anh", "Đỗ Văn Sơn", "Ngô Thị Thanh Thủy"]

# What citizens are asked to supplement, per procedure (one dossier of each staffed unit waits for it).
SUPPLEMENT_REASONS = {
    "1.013225": ["Thiếu bản vẽ mặt bằng móng công trình có chữ ký của đơn vị thiết kế",
                 "Bản sao giấy chứng nhận quyền sử dụng đất chưa được chứng thực"],
    "2.000635": ["Tờ khai chưa ghi ngày, tháng, năm đăng ký khai sinh của người được cấp bản sao trích lục"],
    "1.001612": ["Thiếu bản sao giấy tờ pháp lý của chủ hộ kinh doanh",
                 "Giấy đề nghị đăng ký hộ kinh doanh chưa ghi ngành, nghề kinh doanh"],
    "1.001193": ["Thiếu giấy chứng sinh (bản chính) do cơ sở y tế cấp",
                 "Tờ khai đăng ký khai sinh chưa có chữ ký của người đi đăng ký"],
}

# The inspection of W00070 found what a citizen's feedback complained of; it went to a decision.
INSPECTED_UNIT = "W00070"
INSPECTED_OFFICIAL = "CB-W070-12"
COUNCIL = ["CB-W070-01", "CB-W070-11", "CB-W070-13"]  # chaired by the ward's chairman, not the official
INSPECTOR = Principal("CB-SNV-21", "HN-SNV", frozenset({"inspector"}))
ADMIN = Principal("demo", None, frozenset({"admin"}))


def load(platform, progress: Callable[[str], None] = print) -> dict:
    rt = platform.runtimes
    rng = random.Random(SEED)
    counts = {}

    progress("demo 1/5: đơn vị hành chính Hà Nội (126 phường, xã) và các sở, ngành…")
    d = rt["discipline"]
    discipline_directory.import_province(d.uow(), 1)
    discipline_directory.import_departments(d.uow())
    for unit, (head, head_name, position), officials, _ in STAFFED:
        discipline_directory.upsert_official(d.uow(), head, head_name, unit, "cong_chuc", position, True)
        discipline_directory.assign_head(d.uow(), unit, head, date(2025, 7, 1))
        for code, name in officials:
            discipline_directory.upsert_official(d.uow(), code, name, unit, "cong_chuc", "Chuyên viên", False)
    discipline_directory.upsert_official(d.uow(), "CB-W070-13", "Hoàng Thị Thu", INSPECTED_UNIT, "cong_chuc",
                               "Công chức Văn phòng - Thống kê", False)
    discipline_directory.upsert_official(d.uow(), INSPECTOR.sub, "Nguyễn Thị Minh Châu", INSPECTOR.unit, "cong_chuc",
                               "Thanh tra viên", False)

    progress("demo 2/5: thủ tục hành chính (danh mục mẫu)…")
    # The shipped sample of real portal procedures; importing it again changes nothing.
    try:
        dossier_procedures.import_procedure_list(rt["dossiers"].uow(), dossier_procedures.SAMPLE_LIST)
    except InvalidInput as exc:  # a data folder whose procedure list was edited since: keep what is there
        progress(f"demo: the procedure list already there was kept ({exc.message})")

    progress("demo 3/5: hồ sơ qua từng bước (một số đã quá hạn), chờ bổ sung, xin lỗi, từ chối, rút…")
    demo_dossiers = _DemoDossiers(rt["dossiers"])
    counts["dossiers"] = demo_dossiers.load(rng) + demo_dossiers.load_cases()

    progress("demo 4/5: nhiệm vụ được giao và phản ánh…")
    _load_tasks_and_feedback(rt, rng)

    progress("demo 5/5: kiểm tra công vụ, đề xuất và quyết định kỷ luật…")
    counts["decisions"] = _load_inspection_to_decision(d)

    # Explanations exist only once the overdue sweep's events have reached discipline (seconds after
    # start): judging them waits in the background so that start-up does not.
    threading.Thread(target=_judge_explanations_when_asked, args=(d, platform.stop, progress),
                     name="demo-explanations", daemon=True).start()
    progress(f"demo loaded: {counts['dossiers']} new dossiers; the overdue sweep runs every "
             f"{rt['dossiers'].settings.sweep_interval:g}s and the chain follows by itself")
    return counts


def _uow_at(runtime, moment: datetime):
    """A unit of work whose clock reads `moment`: the demo enters past facts (an inspection, the steps of
    a disciplinary procedure) on the days they happened, as the officials would have entered them."""
    uow = runtime.uow()
    uow.clock = ManualClock(moment)
    return uow


# -- dossiers ---------------------------------------------------------------------------------------

class _Kept(Exception):
    """The dossier is there from an earlier run: it is kept as it is."""


class _DemoDossiers:
    """Demo dossiers and their history: who held each step and when, at office hours."""

    def __init__(self, runtime):
        self.rt = runtime
        self.calendar = runtime.calendar
        self.now = runtime.clock.now().astimezone(self.calendar.tz)
        # The last office instant before now: nobody hands a dossier over at night.
        self.office_now = min(self.calendar.add_working_hours(self.now, Decimal("-0.25")),
                              self.now).replace(second=0, microsecond=0)
        self._plans: dict[str, list[tuple[str, Decimal]]] = {}
        self.txn = None  # the transaction of the dossier being written (history())

    def plan(self, procedure: str) -> list[tuple[str, Decimal]]:
        """The procedure's steps (key, budget in working days) in force today."""
        if procedure not in self._plans:
            shown = dossier_procedures.get_procedure(self.rt.uow(), procedure)
            self._plans[procedure] = [(s.key, Decimal(str(s.days))) for s in shown.version.steps]
        return self._plans[procedure]

    def later(self, start: datetime, days: Decimal | float) -> datetime:
        """`start` plus working days, never after the last office instant."""
        return min(self.after(start, Decimal(str(days)) * 8), self.office_now)

    def after(self, start: datetime, hours: Decimal) -> datetime:
        """`start` plus office hours, on a whole minute (rounded up: never before what came before)."""
        moment = self.calendar.add_working_hours(start, hours)
        whole = moment.replace(second=0, microsecond=0)
        return whole if whole == moment else whole + timedelta(minutes=1)

    @contextmanager
    def history(self):
        """One dossier's whole history in one transaction, as the consumer applies a batch: each use case's
        commit only flushes and the history commits once. A commit per dossier, not one per step, keeps
        start-up fast while the workers are busy with the events of the dossiers before. Raises _Kept
        (nothing written) for a dossier an earlier run loaded."""
        with self.rt.uow() as uow:
            uow.hold_commits = True
            self.txn = uow
            try:
                yield uow
                uow.hold_commits = False
                uow.commit()
            finally:
                self.txn = None

    def receive(self, code: str, procedure: str, unit: str, received: datetime, handler: str,
                rng: random.Random) -> dict:
        try:
            return dossier_intake.receive_dossier(self.txn, dossier_intake.ReceiveDossier(
                code=code, procedure_code=procedure, unit=unit, received_at=received, assignee=handler,
                channel=rng.choice(["direct", "online"]),
                applicant=dossier_intake.ApplicantDetails(name=rng.choice(APPLICANTS),
                                                          phone=f"09{rng.randint(10_000_000, 99_999_999)}"),
            ))
        except (Conflict, InvalidInput) as exc:
            raise _Kept(code) from exc  # kept from an earlier run

    def hand_over(self, code: str, at: datetime, to_step: str, to_official: str) -> None:
        dossier_lifecycle.record_handover(self.txn, code, dossier_lifecycle.HandOver(
            at=at, to_step=to_step, to_official=to_official))

    def load(self, rng: random.Random) -> int:
        """Ten dossiers per staffed unit received 2 to 25 days ago: two in three finished (most on time,
        some late), the rest still open, and those with the first official, whose repeated lateness the
        sanction rules look for."""
        created = 0
        number = 0
        for unit, (head, _, _), officials, procedures in STAFFED:
            for i in range(10):
                number += 1
                code = f"HS-DEMO-{number:04d}"
                procedure = procedures[i % len(procedures)]
                steps = [key for key, _ in self.plan(procedure)]
                is_open = i % 3 == 2
                # An open dossier went from the desk to the first official for appraisal (where the
                # procedure has one; otherwise the first official took it in); a finished one was taken in
                # by either official.
                if is_open:
                    desk = officials[1][0] if "appraise" in steps else officials[0][0]
                else:
                    desk = officials[i % len(officials)][0]
                received = (self.now - timedelta(days=rng.randint(2, 25))).replace(
                    hour=rng.choice([8, 9, 10, 14]), minute=rng.choice([0, 15, 30, 45]), second=0, microsecond=0)
                history = random.Random(f"{SEED}-{code}")  # each dossier's own history, whatever came before
                people = _step_holders(steps, desk, officials, head, appraiser=officials[0][0] if is_open else None)
                try:
                    with self.history():
                        view = self.receive(code, procedure, unit, received, desk, history)
                        if is_open:
                            self._open(code, procedure, view, people, history)
                        else:
                            self._finish(code, procedure, view, people, late=i % 5 == 4, rng=history)
                except _Kept:
                    continue
                created += 1
        return created

    def _open(self, code: str, procedure: str, view: dict, people: dict, rng: random.Random) -> None:
        """Taken in at the desk, then handed over for appraisal within the desk's budget (a procedure without
        appraisal stays with the official who took it in, waiting for the chairman's signature)."""
        plan = self.plan(procedure)
        if len(plan) < 2 or plan[1][0] != "appraise":
            return
        (_, budget), (second, _) = plan[0], plan[1]
        at = self.after(view.counting_starts_at, budget * 8 * Decimal(str(rng.uniform(0.4, 1))))
        if at <= self.office_now:
            self.hand_over(code, at, second, people[second])

    def _finish(self, code: str, procedure: str, view: dict, people: dict, *, late: bool,
                rng: random.Random) -> None:
        """Through every step of the plan, handed over at office hours, then the result is ready and handed
        to the citizen. A late dossier overran one step (appraisal where there is one), which its control
        sheet and its `dossier.completed` name."""
        plan = self.plan(procedure)
        start = view.counting_starts_at
        budget = sum(days for _, days in plan)
        if late:
            overran = "appraise" if any(key == "appraise" for key, _ in plan) else plan[-1][0]
            used = {key: days * Decimal(str(rng.uniform(0.5, 0.9))) for key, days in plan if key != overran}
            # Two working days past the legal time, all of it in the step that overran.
            used[overran] = budget + 2 - sum(used.values())
        else:
            share = Decimal(str(rng.uniform(0.3, 0.9)))
            used = {key: days * share * Decimal(str(rng.uniform(0.9, 1.1))) for key, days in plan}
        moment = start
        for (key, _), (next_key, _) in zip(plan, plan[1:], strict=False):
            moment = self.after(moment, used[key] * 8)
            if moment > self.office_now:
                return  # still in progress today: left open
            self.hand_over(code, moment, next_key, people[next_key])
        finish = self.after(moment, used[plan[-1][0]] * 8)
        if finish > self.office_now:
            return
        dossier_lifecycle.complete_dossier(self.txn, code, completed_at=finish)
        handed = self.after(finish, Decimal(str(rng.uniform(0.5, 6))))
        if handed <= self.office_now:
            dossier_lifecycle.end_dossier(self.txn, code, dossier_lifecycle.EndDossier(end="returned", at=handed))

    def load_cases(self) -> int:
        """The cases a newcomer looks for, one each (fixed codes, so a restart keeps them): a dossier of each
        staffed unit waiting for the citizen's supplement, an apology near the deadline, a refusal and a
        withdrawal."""
        cases = [(f"HS-DEMO-{100 + index:04d}", self._awaiting_supplement, (unit, procedures[0]))
                 for index, (unit, _, _, procedures) in enumerate(STAFFED, start=1)]
        cases += [
            ("HS-DEMO-0111", self._apology, ()),
            ("HS-DEMO-0112", self._ended, (
                "HN-STC", "refused", 2.5,
                "Tên hộ kinh doanh dự kiến đăng ký trùng với tên hộ kinh doanh đã đăng ký trên địa bàn xã (Điều 88 "
                "Nghị định 01/2021/NĐ-CP); đề nghị chọn tên khác và nộp lại hồ sơ")),
            ("HS-DEMO-0113", self._ended, (
                "HN-SXD", "withdrawn", 6,
                "Chủ đầu tư có đơn xin rút hồ sơ để điều chỉnh thiết kế theo thỏa thuận với hộ liền kề")),
        ]
        created = 0
        for code, case, args in cases:
            try:
                with self.history():
                    case(code, *args)
            except _Kept:
                continue
            created += 1
        return created

    def _desk_and_specialist(self, code: str, unit: str, procedure: str, back_days: float):
        """Received `back_days` working days before the last office instant, at the desk of the second
        official, and handed to the first for appraisal within the desk's budget."""
        _, (head, _, _), officials, _ = next(s for s in STAFFED if s[0] == unit)
        rng = random.Random(f"{SEED}-{code}")
        received = self.after(self.office_now, Decimal(str(-back_days * 8)))
        view = self.receive(code, procedure, unit, received, officials[1][0], rng)
        plan = self.plan(procedure)
        steps = [key for key, _ in plan]
        people = _step_holders(steps, officials[1][0], officials, head, appraiser=officials[0][0])
        at = view.counting_starts_at
        if len(plan) > 1:
            at = self.later(at, plan[0][1] * Decimal(str(rng.uniform(0.4, 0.9))))
            self.hand_over(code, at, plan[1][0], people[plan[1][0]])
        return view, at

    def _awaiting_supplement(self, code: str, unit: str, procedure: str) -> None:
        rng = random.Random(f"{SEED}-{code}-supplement")
        _, at = self._desk_and_specialist(code, unit, procedure, rng.uniform(1.5, 4))
        asked = self.later(at, Decimal("0.125"))  # an hour into the appraisal the gap shows
        dossier_lifecycle.request_supplement(self.txn, code, dossier_lifecycle.RequestSupplement(
            at=asked, reasons=tuple(SUPPLEMENT_REASONS[procedure])))

    def _apology(self, code: str) -> None:
        """A building permit whose site must be checked again: near its deadline the unit apologises and sets
        a new return date (once, as the law allows), so the letter can be downloaded as PDF and DOCX."""
        procedure = "1.013225"
        days = sum(d for _, d in self.plan(procedure))
        view, _ = self._desk_and_specialist(code, "HN-SXD", procedure, float(days) - 0.75)
        new_due = self.calendar.add_working_days(view.due_at, 5)
        dossier_apologies.issue_apology(self.txn, code, dossier_apologies.IssueApology(
            at=self.office_now, new_due_at=new_due, signer_title="Giám đốc", signer_name="Nguyễn Hữu Thắng",
            reason="Hộ liền kề có đơn phản ánh về ranh giới thửa đất; cần kiểm tra thực địa lần hai và lấy ý kiến "
                   "UBND phường trước khi cấp phép"))

    def _ended(self, code: str, unit: str, end: str, back_days: float, reason: str) -> None:
        _, _, _, procedures = next(s for s in STAFFED if s[0] == unit)
        _, at = self._desk_and_specialist(code, unit, procedures[0], back_days)
        dossier_lifecycle.end_dossier(self.txn, code, dossier_lifecycle.EndDossier(
            end=end, at=self.later(at, 0.5), reason=reason))


def _step_holders(steps: list[str], desk: str, officials, head: str, appraiser: str | None = None) -> dict:
    """Who holds each step: the desk takes in and hands back, the other official (or `appraiser`) appraises,
    the head approves."""
    other = appraiser or next(code for code, _ in officials if code != desk)
    holders = {"receive": desk, "appraise": other, "approve": head, "return": desk}
    return {key: holders.get(key, desk) for key in steps}


# -- discipline -------------------------------------------------------------------------------------

def _load_inspection_to_decision(runtime) -> int:
    """A surprise inspection of W00070 about seven weeks ago found that an official of the one-stop desk
    asked citizens for papers the procedure does not require (what a citizen's feedback complained of).
    The finding is a misconduct violation; the rule proposes a reprimand, and the ward takes it through the
    review meeting, the council and the recommendation to a decision, each within its deadline and well
    within the 90-day handling limit, under the rule set in force on the day of the facts (Decree 172/2025
    for a công chức). Returns 1 when the decision was made now, 0 when an earlier run made it."""
    if discipline_inspections.list_inspections(runtime.uow(), ADMIN, unit=INSPECTED_UNIT, page_size=1).total:
        return 0
    calendar = runtime.calendar
    now = runtime.clock.now().astimezone(calendar.tz)
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
    discipline_inspections.record_inspection(_uow_at(runtime, inspected), INSPECTOR, inspection)
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
        ("decision", 2, {"form": "khien_trach", "notes": "Quyết định kỷ luật khiển trách"}),
    ]:
        at = calendar.add_working_days(at, after_days).replace(hour=10, minute=0, second=0, microsecond=0)
        discipline_decisions.record_step(_uow_at(runtime, at + timedelta(minutes=30)), proposal.code, step=step, at=at,
                               actor=HEADS[INSPECTED_UNIT], **extra)
    return 1


def _judge_explanations_when_asked(runtime, stop: threading.Event, progress: Callable[[str], None],
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


# -- tasks and feedback -----------------------------------------------------------------------------

def _load_tasks_and_feedback(rt, rng: random.Random) -> None:
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
    if feedback_queries.list_feedback(rt["feedback"].uow(), office, None, None, 1, 1).total:
        return
    for unit, content in [
        ("HN-SXD", "Hồ sơ xin cấp giấy phép xây dựng của gia đình tôi đã quá hẹn nhưng chưa được trả lời."),
        ("W00070", "Cán bộ một cửa yêu cầu bổ sung giấy tờ không có trong danh mục thủ tục."),
    ]:
        feedback_intake.submit_feedback(rt["feedback"].uow(), FeedbackForm(
            channel="web", category="delay", content=content, unit=unit, anonymous=True))
