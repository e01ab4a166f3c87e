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
from datetime import datetime
from typing import Any

from shared.errors import Conflict, InvalidInput, TooManyRequests

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

# The lifecycle the law gives feedback: forward within 5 working days when outside the unit's
# authority, refuse within 2, handle within 15, publish the answer within 2.
STATUSES: dict[str, str] = {
    "received": "Đã tiếp nhận",
    "forwarded": "Đã chuyển cơ quan có thẩm quyền",
    "refused": "Không tiếp nhận",
    "in_progress": "Đang xử lý",
    "answered": "Đã có kết quả xử lý",
    "published": "Đã công khai kết quả",
}
RECEIVED, FORWARDED, REFUSED, IN_PROGRESS, ANSWERED, PUBLISHED = STATUSES
# Statuses from which a unit still has to act; refused and published are final.
OPEN_STATUSES = frozenset({RECEIVED, FORWARDED, IN_PROGRESS})

# Legal handling time of each stage, in working days (the lifecycle above). "refuse" is the time to
# decide whether to accept or refuse; "forward" the time to send it on when outside the unit's authority.
STAGE_DAYS: dict[str, int] = {"refuse": 2, "forward": 5, "answer": 15, "publish": 2}
RECEPTION_STAGES = ("refuse", "forward", "answer")
STAGE_LABELS: dict[str, str] = {
    "refuse": "Quyết định tiếp nhận hoặc từ chối",
    "forward": "Chuyển cơ quan có thẩm quyền",
    "answer": "Trả lời kết quả xử lý",
    "publish": "Công khai kết quả",
}
REASON_MAX, ANSWER_MAX = 2000, 20000
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
OPEN311_CLOSED = frozenset({REFUSED, PUBLISHED})

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
        if value is not None and len(value) > CODE_MAX:
            errors[name] = [f"a code has at most {CODE_MAX} characters"]
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
    "refuse": frozenset({RECEIVED, FORWARDED}),
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


def stage_deadline(calendar, start: datetime, stage: str, due_soon_days: int) -> tuple[datetime, datetime]:
    """(due_at, remind_at) of a stage that starts at `start`: the legal working days counted with the
    calendar (cut-off and days off included), the reminder `due_soon_days` working days earlier but
    never before the start."""
    due_at = calendar.due_at(start, STAGE_DAYS[stage])
    remind_at = calendar.add_working_hours(due_at, -due_soon_days * calendar.hours_per_day())
    return due_at, max(remind_at, start)


def open311_status(status: str) -> str:
    return "closed" if status in OPEN311_CLOSED else "open"


def open311_notes(status: str, reason: str | None = None, answer: str | None = None) -> str:
    notes = STATUSES[status]
    if status == REFUSED and reason:
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


def client_of(forwarded_for: str, remote_addr: str | None) -> str:
    """Who is asking, for the per-client limits: behind the gateway the first address of
    X-Forwarded-For, else the peer's address."""
    first = forwarded_for.split(",")[0].strip()
    return first or remote_addr or "unknown"


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
        return max(1, math.ceil((1 - self.tokens) * 60.0 / self.per_minute))


# -- attachments ---------------------------------------------------------------------------------

ATTACHMENT_MAX_BYTES = 5 * 1024 * 1024
ATTACHMENTS_MAX = 3
