"""Demo feedback: complaints about delays, one sent back to its reporter and one waiting for the reporter's
reply; the service rules and leaders' hotlines of a few units; last month's satisfaction survey round."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from time import monotonic, sleep

from kycuong.demo.people import SEED, STAFFED
from services.feedback.domain import FeedbackForm
from services.feedback.domain.published import HOTLINES, SERVICE_RULES
from services.feedback.domain.survey import month_bounds, previous_period
from services.feedback.use_cases import directory as feedback_directory
from services.feedback.use_cases import handling as feedback_handling
from services.feedback.use_cases import intake as feedback_intake
from services.feedback.use_cases import publications as feedback_publications
from services.feedback.use_cases import queries as feedback_queries
from services.feedback.use_cases import survey as feedback_survey
from shared.auth import Principal
from shared.errors import Conflict, NotFound

PUBLISHING_UNITS = ("HN-SXD", "HN-STP", "W00070")
SURVEYED_UNITS = {"W00070": 24, "HN-SXD": 12}  # dossiers returned last month, as their desks reported them
# The units this module names: they reach the feedback service as discipline's `directory.unit_upserted`
# events, asynchronously after `load_directory`; a code not in its directory is refused.
DEMO_UNITS = ("HN-SXD", "W00070", "HN-STP")
DIRECTORY_WAIT_SECONDS = 60.0


def _wait_for_directory(rt, units=DEMO_UNITS) -> None:
    deadline = monotonic() + DIRECTORY_WAIT_SECONDS
    while missing := feedback_directory.missing_units(rt.uow(), list(units)):
        if monotonic() > deadline:
            raise RuntimeError(f"the directory has not reached the feedback service after "
                               f"{DIRECTORY_WAIT_SECONDS:g} s (missing {', '.join(sorted(missing))}): "
                               f"is its worker consuming kycuong.events?")
        sleep(0.1)


def load_feedback(rt, rng: random.Random) -> None:
    feedback = rt["feedback"]
    _wait_for_directory(feedback)
    _feedback(feedback)
    _published(feedback)
    _survey(feedback, random.Random(f"{SEED}-survey"))


def _head(unit: str) -> Principal:
    head = next(head for code, head, _, _ in STAFFED if code == unit)
    return Principal(head[0], unit, frozenset({"head"}))


def _officer(unit: str) -> Principal:
    officials = next(officials for code, _, officials, _ in STAFFED if code == unit)
    return Principal(officials[0][0], unit, frozenset({"officer"}))


def _feedback(rt) -> None:
    office = Principal("demo-office", "HN-VP", frozenset({"office"}))
    if feedback_queries.list_feedback(rt.uow(), office, None, None, 1, 1).total:
        return
    for unit, content in [
        ("HN-SXD", "Hồ sơ xin cấp giấy phép xây dựng của gia đình tôi đã quá hẹn nhưng chưa được trả lời."),
        ("W00070", "Cán bộ một cửa yêu cầu bổ sung giấy tờ không có trong danh mục thủ tục."),
    ]:
        feedback_intake.submit_feedback(rt.uow(), FeedbackForm(
            channel="web", category="delay", content=content, unit=unit, anonymous=True))
    # A complaint about a decision is not feedback: the unit sends it back with the way to complain.
    complaint = feedback_intake.submit_feedback(rt.uow(), FeedbackForm(
        channel="web", category="other", unit="HN-STP", anonymous=True,
        content="Tôi không đồng ý với quyết định từ chối cấp phiếu lý lịch tư pháp, đề nghị xem xét lại."))
    send_back = feedback_handling.SendBackFeedback(
        reason="Nội dung là khiếu nại quyết định hành chính, không thuộc phạm vi phản ánh, kiến nghị; đề nghị "
               "ông/bà gửi đơn khiếu nại đến Sở Tư pháp theo Luật Khiếu nại năm 2011.")
    feedback_handling.send_back_feedback(rt.uow(), _officer("HN-STP"), complaint.code, send_back)
    # Too vague to verify: the ward asks the reporter which desk and when; the answer's clock waits.
    vague = feedback_intake.submit_feedback(rt.uow(), FeedbackForm(
        channel="hotline", category="attitude", unit="W00070", anonymous=True,
        content="Cán bộ tiếp nhận hồ sơ có thái độ không đúng mực với người dân."))
    feedback_handling.accept_feedback(rt.uow(), _officer("W00070"), vague.code)
    question = feedback_handling.RequestClarification(
        question="Đề nghị ông/bà cho biết ngày, giờ đến làm thủ tục và thủ tục đã nộp (hoặc mã hồ sơ) để "
                 "phường xác minh, xử lý.")
    feedback_handling.request_clarification(rt.uow(), _officer("W00070"), vague.code, question)


def _published(rt) -> None:
    today = rt.clock.now().astimezone(rt.calendar.tz).date()
    for unit in PUBLISHING_UNITS:
        head = _head(unit)
        try:
            feedback_publications.published_on(rt.uow(), unit, SERVICE_RULES)
        except NotFound:
            feedback_publications.write_service_rules(rt.uow(), head, unit, feedback_publications.WriteServiceRules(
                effective_from=today, adopt_default=True))
        try:
            feedback_publications.published_on(rt.uow(), unit, HOTLINES)
        except NotFound:
            _, (_, name, position), _, _ = next(s for s in STAFFED if s[0] == unit)
            number = 100 + PUBLISHING_UNITS.index(unit)
            feedback_publications.write_hotlines(rt.uow(), head, unit, feedback_publications.WriteHotlines(
                effective_from=today, lines=[
                    {"position": position, "name": name, "official": head.sub, "phone": f"0900 000 {number}",
                     "note": "Số minh họa của bản demo; giờ hành chính các ngày làm việc"},
                    {"position": "Văn phòng (tiếp nhận phản ánh)", "phone": f"0900 000 {number + 10}",
                     "note": "Số minh họa của bản demo"},
                ]))


def _survey(rt, rng: random.Random) -> None:
    """Last month's round of two units. The demo's own dossiers are this month's; last month's returns are
    entered as the units' one-stop systems would have reported them (`dossier.returned`: codes only)."""
    tz = rt.calendar.tz
    period = previous_period(rt.clock.now().astimezone(tz).date())
    first, after = month_bounds(period)
    working = [first + timedelta(days=d) for d in range((after - first).days)
               if rt.calendar.is_working_day(first + timedelta(days=d))]
    for unit, count in SURVEYED_UNITS.items():
        for n in range(1, count + 1):
            returned_at = datetime.combine(rng.choice(working), time(rng.choice([9, 10, 14, 15]), 30), tzinfo=tz)
            feedback_survey.record_returned(rt.uow(), feedback_survey.RecordReturned(
                code=f"HS-KS-{unit}-{period}-{n:03d}", unit=unit, returned_at=returned_at))
        try:
            feedback_survey.open_round(rt.uow(), _head(unit), feedback_survey.OpenRound(unit=unit, period=period))
        except Conflict:
            continue  # loaded by an earlier run
