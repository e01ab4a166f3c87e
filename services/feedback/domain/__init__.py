"""Pure rules about citizen feedback (phản ánh, kiến nghị). No Flask, no database, no clock call.

The vocabularies below are what the public form, the officers' screens and the events share: the
keys travel in the API and in `feedback.received`, the Vietnamese labels are what people read.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from services.feedback.domain import codes
from shared.errors import Conflict, InvalidInput, TooManyRequests
from shared.versions import in_force_or_first

# The channels through which feedback reaches a unit (Decree 20/2008 as amended; the national portal).
CHANNELS: dict[str, str] = {
    "web": "Cổng thông tin điện tử",
    "hotline": "Đường dây nóng",
    "sms": "Tin nhắn SMS",
    "email": "Thư điện tử",
    "post": "Thư gửi qua bưu chính",
    "press": "Báo chí",
    "in_person": "Trực tiếp tại cơ quan",
    "desk_survey": "Phiếu khảo sát tại bộ phận một cửa",
}

CATEGORIES: dict[str, str] = {
    "delay": "Chậm trễ giải quyết hồ sơ, công việc",
    "misconduct": "Nhũng nhiễu, sách nhiễu, gây phiền hà",
    "procedure": "Thủ tục hành chính",
    "attitude": "Thái độ, tác phong phục vụ",
    "policy": "Cơ chế, chính sách",
    "other": "Nội dung khác",
}

# Kinds of misconduct that open a verification in discipline: only with category `misconduct`, and
# then the unit concerned is required so discipline knows whom to verify.
MISCONDUCT_CATEGORY = "misconduct"
MISCONDUCT_KINDS: dict[str, str] = {
    "harassment": "Sách nhiễu, gây phiền hà",
    "extortion": "Nhũng nhiễu, vòi vĩnh",
    "deliberate_delay": "Cố ý kéo dài thời gian giải quyết",
    "other": "Hành vi khác",
}

# The lifecycle the law gives feedback (Decree 20/2008/ND-CP as amended; the national portal's method for
# Decision 766/QD-TTg, indicator 5.2): within 2 working days the unit takes it on, refuses it, sends it
# back to the reporter or forwards it when outside its authority; within 5 it may ask the reporter for
# more information (the answer's clock waits for the reply); it answers within 15 and publishes the
# answer within 2 of answering.
STATUSES: dict[str, str] = {
    "received": "Đã tiếp nhận",
    "forwarded": "Đã chuyển cơ quan có thẩm quyền",
    "refused": "Không tiếp nhận",
    "sent_back": "Đã trả lại người phản ánh",
    "in_progress": "Đang xử lý",
    "awaiting_info": "Chờ người phản ánh bổ sung thông tin",
    "answered": "Đã có kết quả xử lý",
    "published": "Đã công khai kết quả",
}
RECEIVED, FORWARDED, REFUSED, SENT_BACK, IN_PROGRESS, AWAITING_INFO, ANSWERED, PUBLISHED = STATUSES
# Statuses from which a unit still has to act; refused, sent back and published are final, and while the
# reporter is asked for more the unit waits.
OPEN_STATUSES = frozenset({RECEIVED, FORWARDED, IN_PROGRESS})


@dataclass(frozen=True)
class HandlingLimits:
    """The legal handling time of each stage, in working days, from a date (a dated rule set: the one in
    force on the day a stage starts applies)."""

    effective_from: date
    days: Mapping[str, int]
    source: str


# Stages (shared vocabulary FEEDBACK_STAGES) and their limits. Decision 766/QD-TTg of 23/6/2022 made the
# handling of feedback on time an indicator of the index (5.2); the national portal judges it by these.
HANDLING_LIMITS: tuple[HandlingLimits, ...] = (
    HandlingLimits(
        effective_from=date(2022, 6, 23),
        days={"refuse": 2, "send_back": 2, "forward": 2, "clarify": 5, "answer": 15, "publish": 2},
        source="Nghị định 20/2008/NĐ-CP (đã sửa đổi, bổ sung); phương pháp đánh giá Bộ chỉ số 766 "
               "(Quyết định 766/QĐ-TTg) của Cổng Dịch vụ công quốc gia, chỉ tiêu 5.2",
    ),
)
STAGE_DAYS: Mapping[str, int] = HANDLING_LIMITS[-1].days
STAGE_LABELS: dict[str, str] = {
    "refuse": "Từ chối tiếp nhận",
    "send_back": "Trả lại phản ánh cho người phản ánh",
    "forward": "Chuyển cơ quan có thẩm quyền (ngoài thẩm quyền của đơn vị)",
    "clarify": "Đề nghị người phản ánh bổ sung thông tin",
    "answer": "Xử lý, trả lời kết quả",
    "publish": "Công khai kết quả xử lý",
}
# From when each stage counts: reception (or arrival at the competent unit after a forward), or the answer.
STAGE_COUNTED_FROM: dict[str, str] = {
    **dict.fromkeys(("refuse", "send_back", "forward", "clarify", "answer"),
                    "từ ngày tiếp nhận (hoặc ngày đơn vị có thẩm quyền nhận được phản ánh được chuyển đến)"),
    "publish": "từ ngày trả lời",
}
# Taking feedback on, refusing, sending back or forwarding it is one decision with one deadline: its
# running row is the `refuse` stage (the name events have always carried for it).
FIRST_DECISION = "refuse"
DEADLINE_LABELS: dict[str, str] = {
    **STAGE_LABELS,
    "refuse": "Tiếp nhận, hoặc từ chối, trả lại, chuyển cơ quan có thẩm quyền",
}
# The stages whose clocks start at reception (and again at the competent unit after a forward).
RECEPTION_STAGES = (FIRST_DECISION, "clarify", "answer")
# A window the unit may use, not an obligation: asking the reporter for more is needed only when the
# feedback is unclear, so the window passing is no failure and is never alerted.
WINDOW_STAGES = frozenset({"clarify"})
# The deadline a step is judged against.
STEP_STAGE: dict[str, str] = {"forward": FIRST_DECISION, "refuse": FIRST_DECISION, "send_back": FIRST_DECISION,
                              "clarify": "clarify", "answer": "answer", "publish": "publish"}


def limits_on(day: date) -> HandlingLimits:
    """The handling limits in force on `day` (the earliest known for a day before all of them)."""
    return in_force_or_first(HANDLING_LIMITS, day)


REASON_MAX, ANSWER_MAX, QUESTION_MAX, INFORMATION_MAX = 2000, 20000, 2000, 5000
# The two alerts of a running stage: its reminder point has come; its deadline has passed.
DUE_SOON, OVERDUE = "due_soon", "overdue"

# SIPAS (Chỉ số hài lòng về sự phục vụ hành chính) factors and the 5-point scale.
RATING_FACTORS: dict[str, str] = {
    "access": "Tiếp cận dịch vụ",
    "procedure": "Thủ tục hành chính",
    "officials": "Công chức giải quyết công việc",
    "result": "Kết quả giải quyết",
    "feedback_handling": "Tiếp nhận, xử lý phản ánh, kiến nghị",
}
RATING_SCALE: dict[int, str] = {5: "Rất hài lòng", 4: "Hài lòng", 3: "Bình thường", 2: "Không hài lòng",
                                1: "Rất không hài lòng"}
RATING_SUBJECTS = ("dossier", "feedback")
COMMENT_MAX = 2000

# Open311 knows two statuses; the detail travels in status_notes.
OPEN311_CLOSED = frozenset({REFUSED, SENT_BACK, PUBLISHED})

# The same text from the same sender about the same unit within this window is one submission
# (a double click, a retry after a timeout, a bot replaying it).
DUPLICATE_WINDOW_MINUTES = 10

CONTENT_MIN, CONTENT_MAX = 10, 5000
CODE_MAX = 64
NAME_MAX, ADDRESS_MAX, EMAIL_MAX, PHONE_MAX = 200, 500, 254, 32

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
# Separators people type in Vietnamese numbers: "0912 345 678", "091.234.5678", "(024) 3825-1234".
_PHONE_SEPARATORS = re.compile(r"[\s.\-()]")
_PHONE = re.compile(r"^\+?\d{8,15}$")  # 8 digits covers hotlines such as 1900xxxx

# Who may read what a reporter wrote to a unit, and who may reach the reporter.
CONTACT_ROLES = frozenset({"office", "admin"})
# Who handles feedback: officers and heads of its unit; the office and admins of any unit (the office
# routes feedback that names no unit).
STAFF_ROLES = ("officer", "head", "office", "admin")
ALL_UNITS_STAFF_ROLES = frozenset({"office", "admin"})


@dataclass(frozen=True)
class ReporterForm:
    """How to reach the reporter, as sent (not yet checked)."""

    name: Any = None
    phone: Any = None
    email: Any = None
    address: Any = None


@dataclass(frozen=True)
class FeedbackForm:
    """A submission as the public form, Open311, an operator or an importer sends it, before the rules
    (`check_submission`) are applied: the values are those sent, whatever their type."""

    channel: Any
    category: Any
    content: Any
    unit: Any = None
    official: Any = None
    dossier_code: Any = None
    misconduct_kind: Any = None
    anonymous: Any = False
    reporter: ReporterForm | None = None
    device_id: Any = None  # Open311 client identifiers: as private as the contact
    account_id: Any = None


@dataclass(frozen=True)
class Reporter:
    name: str | None
    phone: str | None
    email: str | None
    address: str | None


@dataclass(frozen=True)
class Submission:
    channel: str
    category: str
    content: str
    unit: str | None
    official: str | None
    dossier_code: str | None
    anonymous: bool
    reporter: Reporter | None  # always None when anonymous
    received_at: datetime
    misconduct_kind: str | None = None


@dataclass(frozen=True)
class Disclosure:
    """What one reader may see of one piece of feedback beyond its public status."""

    content: bool
    contact: bool


def check_submission(form: FeedbackForm, *, received_at: datetime, now: datetime) -> Submission:
    """Validate a submission as the public form, an operator or an importer sends it.

    Collects every problem at once, so a citizen fixes the form in one go. Text is normalised to NFC
    so that a Vietnamese letter typed with combining marks counts as one character.
    """
    errors: dict[str, Any] = {}

    channel = form.channel
    if not isinstance(channel, str) or channel not in CHANNELS:
        errors["channel"] = [f"choose one of: {', '.join(CHANNELS)}"]
    category = form.category
    if not isinstance(category, str) or category not in CATEGORIES:
        errors["category"] = [f"choose one of: {', '.join(CATEGORIES)}"]

    content = _text(form.content) or ""
    if not CONTENT_MIN <= len(content) <= CONTENT_MAX:
        errors["content"] = [f"Nội dung phải dài từ {CONTENT_MIN} đến {CONTENT_MAX} ký tự — "
                             f"write between {CONTENT_MIN} and {CONTENT_MAX} characters (got {len(content)})"]

    references = {}
    for name in ("unit", "official", "dossier_code"):
        value = _text(getattr(form, name))
        if value is not None and (problem := codes.pattern_error(value)):
            errors[name] = problem
        references[name] = value

    anonymous = bool(form.anonymous)
    reporter = None
    if not anonymous:
        reporter, reporter_errors = _check_reporter(form.reporter or ReporterForm())
        if reporter_errors:
            errors["reporter"] = reporter_errors

    misconduct_kind = _text(form.misconduct_kind)
    if category == MISCONDUCT_CATEGORY:
        if misconduct_kind not in MISCONDUCT_KINDS:
            errors["misconduct_kind"] = ["Chọn loại hành vi — a misconduct report says which kind: "
                                         + ", ".join(MISCONDUCT_KINDS)]
        if references["unit"] is None:
            errors.setdefault("unit", ["Phản ánh nhũng nhiễu phải nêu đơn vị — name the unit concerned "
                                       "so that it can be verified"])
    elif misconduct_kind is not None:
        errors["misconduct_kind"] = ["only for category misconduct"]

    if received_at.tzinfo is None:
        errors["received_at"] = ["give the time with its UTC offset"]
    elif received_at > now:
        errors["received_at"] = ["feedback cannot be received in the future"]

    if errors:
        raise InvalidInput("Phản ánh chưa hợp lệ, vui lòng sửa các mục được nêu — the feedback has invalid "
                           "fields: " + ", ".join(sorted(errors)), errors)
    return Submission(channel=channel, category=category, content=content, anonymous=anonymous,
                      reporter=reporter, received_at=received_at, misconduct_kind=misconduct_kind,
                      **references)


def _check_reporter(raw: ReporterForm) -> tuple[Reporter | None, dict[str, list[str]] | list[str]]:
    name, phone, email, address = (_text(v) for v in (raw.name, raw.phone, raw.email, raw.address))
    errors: dict[str, list[str]] = {}
    if name is not None and len(name) > NAME_MAX:
        errors["name"] = [f"at most {NAME_MAX} characters"]
    if address is not None and len(address) > ADDRESS_MAX:
        errors["address"] = [f"at most {ADDRESS_MAX} characters"]
    if phone is not None:
        digits = _PHONE_SEPARATORS.sub("", phone)
        if len(phone) > PHONE_MAX or not _PHONE.match(digits):
            errors["phone"] = ["Số điện thoại không hợp lệ — "
                               "a phone number has 8 to 15 digits, e.g. 0912345678"]
    if email is not None and (len(email) > EMAIL_MAX or not _EMAIL.match(email)):
        errors["email"] = ["Thư điện tử không hợp lệ — write an address such as ten@example.vn"]
    if errors:
        return None, errors
    if phone is None and email is None:
        return None, ["Vui lòng để lại số điện thoại hoặc thư điện tử để nhận kết quả, "
                      "hoặc chọn gửi ẩn danh — give a phone number or an e-mail so the answer "
                      "can reach you, or send anonymously"]
    return Reporter(name=name, phone=phone, email=email, address=address), {}


# Control characters hide text from a reader and break terminals and CSV exports; tabs and line
# breaks are what people type and stay.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def clean_text(value: Any) -> str | None:
    """Trimmed NFC text without control characters, or None for absent or blank values. Markup is
    kept as typed (it is data, and may be quoted in an answer): every HTML output escapes it."""
    if value is None:
        return None
    text = _CONTROL.sub("", unicodedata.normalize("NFC", str(value))).strip()
    return text or None


_text = clean_text


def normalise_code(code: str) -> str:
    """Tracking codes are read aloud and retyped: accept them in any case and with stray spaces."""
    return code.strip().upper()


def disclosure(roles: Iterable[str], *, can_access_unit: bool) -> Disclosure:
    """What a reader sees beyond the public status: the content if the feedback is addressed to their
    unit (or they oversee every unit), and how to reach the reporter only for the office and admins,
    who route the answer back."""
    return Disclosure(content=can_access_unit, contact=can_access_unit and bool(CONTACT_ROLES & set(roles)))


def answer_shown(published: bool, shown: Disclosure) -> bool:
    """The answer is public once published; before that only the unit sees its draft."""
    return published or shown.content


# -- handling ------------------------------------------------------------------------------------

class StepNotAllowed(Conflict):
    """The step does not fit where the feedback stands (answering a refused one, publishing twice)."""


_STEP_FROM: dict[str, frozenset[str]] = {
    "forward": OPEN_STATUSES,
    "accept": frozenset({RECEIVED, FORWARDED}),
    # Without the information asked for, the unit may still refuse or send the feedback back.
    "refuse": frozenset({RECEIVED, FORWARDED, AWAITING_INFO}),
    "send_back": frozenset({RECEIVED, FORWARDED, AWAITING_INFO}),
    "clarify": OPEN_STATUSES,
    "add_information": frozenset({AWAITING_INFO}),
    "answer": OPEN_STATUSES,
    "publish": frozenset({ANSWERED}),
}


def check_step(step: str, status: str) -> None:
    if status not in _STEP_FROM[step]:
        allowed = ", ".join(sorted(_STEP_FROM[step]))
        raise StepNotAllowed(f"Không thể thực hiện bước này khi phản ánh đang ở trạng thái "
                             f"\"{STATUSES[status]}\" — cannot {step} feedback that is {status}; "
                             f"only when {allowed}", {"status": [status]})


def required_text(field: str, value: Any, maximum: int, what: str) -> str:
    text = clean_text(value)
    if text is None:
        raise InvalidInput(f"{what} — {field} is required", {field: [f"{what}: required"]})
    if len(text) > maximum:
        raise InvalidInput(f"{field} is too long", {field: [f"at most {maximum} characters"]})
    return text


def stage_deadline(calendar, start: datetime, stage: str, due_soon_days: int,
                   limits: HandlingLimits | None = None) -> tuple[datetime, datetime]:
    """(due_at, remind_at) of a stage that starts at `start`: the legal working days (of the limits in
    force on the start's day unless given) counted with the calendar (cut-off and days off included), the
    reminder `due_soon_days` working days earlier but never before the start."""
    limits = limits or limits_on(start.astimezone(calendar.tz).date())
    due_at = calendar.due_at(start, limits.days[stage])
    remind_at = calendar.add_working_hours(due_at, -due_soon_days * calendar.hours_per_day())
    return due_at, max(remind_at, start)


def resumed_deadline(calendar, paused_at: datetime, due_at: datetime, resumed_at: datetime) -> datetime:
    """The due instant of a clock that waited from `paused_at` to `resumed_at` (the reporter was asked for
    more): the working time left at the pause runs again from the resumption. A deadline already passed
    at the pause stays where it was: the wait excuses nothing already late."""
    if due_at <= paused_at:
        return due_at
    left = calendar.working_hours_between(paused_at, due_at)
    return calendar.add_working_hours(resumed_at, left)


def open311_status(status: str) -> str:
    return "closed" if status in OPEN311_CLOSED else "open"


def open311_notes(status: str, reason: str | None = None, answer: str | None = None) -> str:
    notes = STATUSES[status]
    if status in (REFUSED, SENT_BACK) and reason:
        notes += f": {reason}"
    if status == PUBLISHED and answer:
        notes += f". Kết quả: {answer}"
    return notes


# -- ratings -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RatingInput:
    overall: int
    factors: dict[str, int]
    comment: str | None


def check_rating(overall: Any, factors: Any = None, comment: Any = None) -> RatingInput:
    """A rating as sent: the overall score and the SIPAS factors' scores, whole numbers 1–5."""
    errors: dict[str, Any] = {}
    if not _is_score(overall):
        errors["overall"] = ["Chọn mức từ 1 (rất không hài lòng) đến 5 (rất hài lòng) — a whole number 1–5"]
    factors = factors or {}
    factor_errors = {}
    if not isinstance(factors, Mapping):
        errors["factors"] = ["an object of SIPAS factors: " + ", ".join(RATING_FACTORS)]
        factors = {}
    for key, score in factors.items():
        if key not in RATING_FACTORS:
            factor_errors[key] = ["unknown factor; the SIPAS factors are " + ", ".join(RATING_FACTORS)]
        elif not _is_score(score):
            factor_errors[key] = ["a whole number 1–5"]
    if factor_errors:
        errors["factors"] = factor_errors
    comment = clean_text(comment)
    if comment is not None and len(comment) > COMMENT_MAX:
        errors["comment"] = [f"at most {COMMENT_MAX} characters"]
    if errors:
        raise InvalidInput("Phiếu đánh giá chưa hợp lệ — the rating has invalid fields: "
                           + ", ".join(sorted(errors)), errors)
    return RatingInput(overall=overall, factors=dict(factors), comment=comment)


def _is_score(value: Any) -> bool:
    return type(value) is int and 1 <= value <= 5


def token_digest(token: str) -> str:
    """Tokens are stored only as this digest: a leaked table does not let anyone rate."""
    return hashlib.sha256(token.strip().encode()).hexdigest()


def feedback_rating_token(secret: str, code: str) -> str:
    """The rating token of an answered feedback, derived rather than stored so the tracking page can
    show it to whoever holds the tracking code (the reporter, even anonymous) while the database keeps
    only its digest."""
    return hmac.new(secret.encode(), f"rating:feedback:{code}".encode(), hashlib.sha256).hexdigest()[:32]


# -- abuse ---------------------------------------------------------------------------------------

def duplicate_fingerprint(content: str, unit: str | None, sender: str) -> str:
    """Same words, whatever the case, spacing or punctuation, from the same sender to the same unit."""
    words = re.findall(r"\w+", unicodedata.normalize("NFC", content).casefold())
    return hashlib.sha256("\x1f".join([" ".join(words), unit or "", sender]).encode()).hexdigest()


# Requests per minute and burst per client on the public POST endpoints, unless the settings' rules
# (`feedback_rate_limit`) say otherwise.
RATE_LIMIT = {"per_minute": 10, "burst": 20}


class RateLimited(TooManyRequests):
    def __init__(self, retry_after: int):
        super().__init__(f"Bạn gửi quá nhiều yêu cầu, vui lòng thử lại sau {retry_after} giây — too many "
                         f"requests from your address; retry after {retry_after} s", retry_after,
                         {"retry_after": [str(retry_after)]})


@dataclass
class TokenBucket:
    """`burst` requests at once, refilled at `per_minute`. Time is given in seconds."""

    per_minute: float
    burst: float
    tokens: float
    updated: float

    @classmethod
    def full(cls, per_minute: float, burst: float, now: float) -> TokenBucket:
        return cls(per_minute, burst, burst, now)

    def take(self, now: float) -> int:
        """Take one token; returns 0 when allowed, else the whole seconds to wait for one."""
        elapsed = max(0.0, now - self.updated)
        self.tokens = min(self.burst, self.tokens + elapsed * self.per_minute / 60.0)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0
        return retry_after(self.tokens, self.per_minute)


def retry_after(tokens: float, per_minute: float) -> int:
    """Whole seconds until a bucket holding `tokens` (< 1) has one again."""
    return max(1, math.ceil((1 - tokens) * 60.0 / per_minute))


# -- attachments ---------------------------------------------------------------------------------

ATTACHMENT_MAX_BYTES = 5 * 1024 * 1024
ATTACHMENTS_MAX = 3
