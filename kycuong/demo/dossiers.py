"""Demo dossiers: finished through their steps, late (with and without the unit's apology), waiting for a
supplement, same-day, refused, withdrawn."""

from __future__ import annotations

import random
from contextlib import contextmanager
from datetime import datetime, timedelta
from decimal import Decimal

from kycuong.demo.people import APPLICANTS, SEED, STAFFED, SUPPLEMENT_REASONS
from services.dossiers.use_cases import apologies as dossier_apologies
from services.dossiers.use_cases import intake as dossier_intake
from services.dossiers.use_cases import lifecycle as dossier_lifecycle
from services.dossiers.use_cases import procedures as dossier_procedures
from shared.errors import Conflict, InvalidInput


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
        staffed unit waiting for the citizen's supplement, an apology signed by the head whose promise was then
        broken, a late dossier without any apology, a same-day procedure received after 15:00, a dossier sent
        back twice through the officials' fault, a refusal and a withdrawal."""
        cases = [(f"HS-DEMO-{100 + index:04d}", self._awaiting_supplement, (unit, procedures[0]))
                 for index, (unit, _, _, procedures) in enumerate(STAFFED, start=1)]
        cases += [
            ("HS-DEMO-0111", self._apology, ()),
            ("HS-DEMO-0114", self._late_without_apology, ()),
            ("HS-DEMO-0115", self._same_day_after_cutoff, ()),
            ("HS-DEMO-0116", self._sent_back_twice_for_fault, ()),
            ("HS-DEMO-0112", self._ended, (
                "HN-STC", "refused", 2.5,
                "Tên hộ kinh doanh dự kiến đăng ký trùng với tên hộ kinh doanh đã đăng ký trên địa bàn xã; đề nghị "
                "chọn tên khác và nộp lại hồ sơ")),
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
        """A building permit whose site must be checked again: one working day before the legal deadline the
        unit apologises, signed by its director, and promises a new date three working days after it
        (Decree 61/2018/ND-CP art. 19; Form 04 of Circular 01/2018/TT-VPCP), then breaks that promise too: the
        dossier is still open, late against its legal date and past the promised one. The letter downloads as
        PDF and DOCX."""
        procedure = "1.013225"
        unit = "HN-SXD"
        _, (head, head_name, head_title), _, _ = next(s for s in STAFFED if s[0] == unit)
        days = sum(d for _, d in self.plan(procedure))
        view, _ = self._desk_and_specialist(code, unit, procedure, float(days) + 5)
        issued = self.calendar.add_working_days(view.due_at, -1)
        new_due = self.calendar.add_working_days(view.due_at, 3)
        dossier_apologies.issue_apology(self.txn, code, dossier_apologies.IssueApology(
            at=issued, new_due_at=new_due, signed_by=head, signer_title=head_title, signer_name=head_name,
            reason="Hộ liền kề có đơn phản ánh về ranh giới thửa đất; cần kiểm tra thực địa lần hai và lấy ý kiến "
                   "UBND phường trước khi cấp phép"))

    def _late_without_apology(self, code: str) -> None:
        """A business household registration past its legal date whose unit never apologised: late, and the
        missed apology a breach of its own (Decree 61/2018/ND-CP art. 19)."""
        self._desk_and_specialist(code, "HN-STC", "1.001612", 5.5)

    def _same_day_after_cutoff(self, code: str) -> None:
        """A birth registration (a same-day procedure, Law on Civil Status 2014 art. 16) received at 15:30 on
        the last working day: after the 15:00 cut-off, so it is due by closing time the next working day."""
        _, (head, _, _), officials, _ = next(s for s in STAFFED if s[0] == "W00070")
        received = self.office_now.replace(hour=15, minute=30)
        if received > self.office_now or not self.calendar.is_working_day(received.date()):
            received = self.calendar.add_working_days(received, -1).replace(hour=15, minute=30)
        self.receive(code, "1.001193", "W00070", received, officials[0][0], random.Random(f"{SEED}-{code}"))

    def _sent_back_twice_for_fault(self, code: str) -> None:
        """A birth registration the ward sent back to the citizen twice for papers the procedure does not ask
        for: the officials' own fault both times, which the Service Center reports each month (dossiers
        returned several times: the Hà Nội Chairman's directive on individualised responsibility, item 2.b)."""
        _, at = self._desk_and_specialist(code, "W00004", "1.001193", 2)
        for hours, reason in (("0.25", "Yêu cầu nộp thêm bản sao sổ hộ khẩu giấy (không có trong thành phần hồ sơ "
                                        "của thủ tục)"),
                              ("0.75", "Yêu cầu xác nhận tình trạng hôn nhân của cha mẹ (không có trong thành phần "
                                       "hồ sơ của thủ tục)")):
            at = self.later(at, Decimal(hours))
            dossier_lifecycle.send_back(self.txn, code, dossier_lifecycle.SendBackDossier(
                reason=reason, officials_fault=True, at=at))

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




def load_procedures(runtime, progress) -> None:
    # The shipped sample of real portal procedures; importing it again changes nothing.
    try:
        dossier_procedures.import_procedure_list(runtime.uow(), dossier_procedures.SAMPLE_LIST)
    except InvalidInput as exc:  # a data folder whose procedure list was edited since: keep what is there
        progress(f"demo: the procedure list already there was kept ({exc.message})")


def load(runtime, rng: random.Random) -> int:
    """The demo's dossiers; returns how many were new."""
    demo = _DemoDossiers(runtime)
    return demo.load(rng) + demo.load_cases()
