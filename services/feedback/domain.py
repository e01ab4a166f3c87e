"""Pure rules about citizen feedback (phản ánh, kiến nghị). No Flask, no database, no clock call.

The vocabularies below are what the public form, the officers' screens and the events share: the
keys travel in the API and in `feedback.received`, the Vietnamese labels are what people read.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.errors import InvalidInput

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

# The lifecycle the law gives feedback: forward within 5 working days when outside the unit's
# authority, refuse within 2, handle within 15, publish the answer within 2. Submission is the only
# transition so far; the others belong to the handling use cases.
STATUSES: dict[str, str] = {
    "received": "Đã tiếp nhận",
    "forwarded": "Đã chuyển cơ quan có thẩm quyền",
    "refused": "Không tiếp nhận",
    "in_progress": "Đang xử lý",
    "answered": "Đã có kết quả xử lý",
    "published": "Đã công khai kết quả",
}
RECEIVED = "received"

CONTENT_MIN, CONTENT_MAX = 10, 5000
CODE_MAX = 64
NAME_MAX, ADDRESS_MAX, EMAIL_MAX, PHONE_MAX = 200, 500, 254, 32

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
# Separators people type in Vietnamese numbers: "0912 345 678", "091.234.5678", "(024) 3825-1234".
_PHONE_SEPARATORS = re.compile(r"[\s.\-()]")
_PHONE = re.compile(r"^\+?\d{8,15}$")  # 8 digits covers hotlines such as 1900xxxx

# Who may read what a reporter wrote to a unit, and who may reach the reporter.
CONTACT_ROLES = frozenset({"office", "admin"})


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


@dataclass(frozen=True)
class Disclosure:
    """What one reader may see of one piece of feedback beyond its public status."""

    content: bool
    contact: bool


def check_submission(data: Mapping[str, Any], *, received_at: datetime, now: datetime) -> Submission:
    """Validate a submission as the public form, an operator or an importer sends it.

    Collects every problem at once, so a citizen fixes the form in one go. Text is normalised to NFC
    so that a Vietnamese letter typed with combining marks counts as one character.
    """
    errors: dict[str, Any] = {}

    channel = data.get("channel")
    if not isinstance(channel, str) or channel not in CHANNELS:
        errors["channel"] = [f"choose one of: {', '.join(CHANNELS)}"]
    category = data.get("category")
    if not isinstance(category, str) or category not in CATEGORIES:
        errors["category"] = [f"choose one of: {', '.join(CATEGORIES)}"]

    content = _text(data.get("content")) or ""
    if not CONTENT_MIN <= len(content) <= CONTENT_MAX:
        errors["content"] = [f"Nội dung phải dài từ {CONTENT_MIN} đến {CONTENT_MAX} ký tự — "
                             f"write between {CONTENT_MIN} and {CONTENT_MAX} characters (got {len(content)})"]

    references = {}
    for name in ("unit", "official", "dossier_code"):
        value = _text(data.get(name))
        if value is not None and len(value) > CODE_MAX:
            errors[name] = [f"a code has at most {CODE_MAX} characters"]
        references[name] = value

    anonymous = bool(data.get("anonymous"))
    reporter = None
    if not anonymous:
        reporter, reporter_errors = _check_reporter(data.get("reporter") or {})
        if reporter_errors:
            errors["reporter"] = reporter_errors

    if received_at.tzinfo is None:
        errors["received_at"] = ["give the time with its UTC offset"]
    elif received_at > now:
        errors["received_at"] = ["feedback cannot be received in the future"]

    if errors:
        raise InvalidInput("Phản ánh chưa hợp lệ, vui lòng sửa các mục được nêu — the feedback has invalid "
                           "fields: " + ", ".join(sorted(errors)), errors)
    return Submission(channel=channel, category=category, content=content, anonymous=anonymous,
                      reporter=reporter, received_at=received_at, **references)


def _check_reporter(raw: Mapping[str, Any]) -> tuple[Reporter | None, dict[str, list[str]] | list[str]]:
    name, phone, email, address = (_text(raw.get(k)) for k in ("name", "phone", "email", "address"))
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


def _text(value: Any) -> str | None:
    """Trimmed NFC text, or None for absent or blank values."""
    if value is None:
        return None
    text = unicodedata.normalize("NFC", str(value)).strip()
    return text or None


def normalise_code(code: str) -> str:
    """Tracking codes are read aloud and retyped: accept them in any case and with stray spaces."""
    return code.strip().upper()


def disclosure(roles: Iterable[str], *, can_access_unit: bool) -> Disclosure:
    """What a reader sees beyond the public status: the content if the feedback is addressed to their
    unit (or they oversee every unit), and how to reach the reporter only for the office and admins,
    who route the answer back."""
    return Disclosure(content=can_access_unit, contact=can_access_unit and bool(CONTACT_ROLES & set(roles)))
