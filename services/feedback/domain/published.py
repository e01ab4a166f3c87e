"""What each unit keeps published for citizens: the service rules posted at its one-stop desk and its
leaders' hotline numbers, in dated versions. Pure: no database, no clock.

Both are public by law. Hotline numbers are officials' work numbers, published so that citizens can
report to the unit's leaders; a citizen's data never belongs here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from services.feedback.domain import CODE_MAX, clean_text
from shared.errors import InvalidInput

SERVICE_RULES, HOTLINES = "service_rules", "hotlines"
PUBLICATION_KINDS: dict[str, str] = {
    SERVICE_RULES: "Quy tắc ứng xử, 10 nội dung yêu cầu niêm yết tại bộ phận tiếp dân, một cửa",
    HOTLINES: "Số điện thoại đường dây nóng của lãnh đạo đơn vị",
}

# The ten requirements every reception and one-stop desk posts (Kế hoạch 69/KH-UBND of 20/3/2017 of the
# Hà Nội People's Committee, II.3.e), word for word: what a unit adopts unless it writes its own.
DEFAULT_SERVICE_RULES: tuple[str, ...] = (
    "Khách đến, được chào hỏi.",
    "Khách ở, luôn tươi cười.",
    "Khách hỏi, được tư vấn.",
    "Khách yêu cầu, phải tận tâm.",
    "Khách cần, được thông báo.",
    "Khách vội, giải quyết nhanh.",
    "Khách chờ, được xin lỗi.",
    "Khách phàn nàn, phải lắng nghe.",
    "Khách nhờ, luôn chu đáo.",
    "Khách về, được hài lòng.",
)
DEFAULT_SERVICE_RULES_SOURCE = "Kế hoạch số 69/KH-UBND ngày 20/3/2017 của UBND thành phố Hà Nội, mục II.3.e"
# Leaders' hotline numbers are made public so that citizens can report to them (the Hà Nội chairman's
# directive on individualised responsibility for late dossiers, implementing Chỉ thị 24-CT/TU of
# 07/8/2023, item 1.b).
HOTLINES_SOURCE = ("Chỉ thị của Chủ tịch UBND thành phố Hà Nội về cá thể hóa trách nhiệm trong giải quyết "
                   "TTHC (thực hiện Chỉ thị 24-CT/TU ngày 07/8/2023), mục 1.b: công khai số điện thoại "
                   "đường dây nóng của lãnh đạo các đơn vị")

RULES_MAX, RULE_MAX = 20, 500
LINES_MAX, POSITION_MAX, NAME_MAX, NOTE_MAX, SOURCE_MAX = 20, 200, 200, 500, 500
_PHONE_SEPARATORS = re.compile(r"[\s.\-()]")
_PHONE = re.compile(r"^\+?\d{8,15}$")  # 8 digits covers hotlines such as 1900xxxx


@dataclass(frozen=True)
class Hotline:
    position: str  # chức vụ: Giám đốc, Phó Chủ tịch UBND phường …
    phone: str
    name: str | None = None
    official: str | None = None  # the official's code in the directory
    note: str | None = None  # hours, what to report


@dataclass(frozen=True)
class PublicationContent:
    """A version's content, checked: the rules (service_rules) or the lines (hotlines), and its source."""

    kind: str
    items: tuple[Any, ...]
    source: str | None


def check_effective_from(effective_from: Any, today: date) -> date:
    """A version takes effect today or later: what was published on a past day stays as it was."""
    if not isinstance(effective_from, date):
        raise InvalidInput("effective_from is a date, e.g. 2026-12-01", {"effective_from": ["a date"]})
    if effective_from < today:
        raise InvalidInput(f"Ngày hiệu lực không được trước hôm nay ({today.isoformat()}) — a version takes "
                           "effect today or later; what was published on a past day is not rewritten",
                           {"effective_from": [f"on or after {today.isoformat()}"]})
    return effective_from


def check_service_rules(rules: Any, adopt_default: bool, source: Any) -> PublicationContent:
    """The unit's own rules (1 to 20 lines of text), or the city's ten (`adopt_default`)."""
    if adopt_default:
        if rules:
            raise InvalidInput("send either your own rules or adopt_default, not both",
                               {"rules": ["leave empty with adopt_default"]})
        return PublicationContent(SERVICE_RULES, DEFAULT_SERVICE_RULES, DEFAULT_SERVICE_RULES_SOURCE)
    if not isinstance(rules, list | tuple) or not rules:
        raise InvalidInput("Nhập các quy tắc ứng xử, hoặc chọn áp dụng 10 nội dung mẫu — give the rules as a "
                           "list of lines, or adopt_default: true for the city's ten",
                           {"rules": ["a non-empty list of lines"]})
    errors: dict[str, list[str]] = {}
    cleaned = []
    for index, rule in enumerate(rules):
        text = clean_text(rule) if isinstance(rule, str) else None
        if text is None or len(text) > RULE_MAX:
            errors[str(index)] = [f"a line of text, 1 to {RULE_MAX} characters"]
        cleaned.append(text)
    if len(rules) > RULES_MAX:
        errors["rules"] = [f"at most {RULES_MAX} rules"]
    source_text = _source(source, errors)
    if errors:
        raise InvalidInput("Quy tắc ứng xử chưa hợp lệ — the rules have invalid lines", {"rules": errors})
    return PublicationContent(SERVICE_RULES, tuple(cleaned), source_text)


def check_hotlines(lines: Any, source: Any = None) -> PublicationContent:
    """The leaders' lines: each a position and a work phone number, optionally the name and code of the
    official who answers it and a note (hours, what to report)."""
    if not isinstance(lines, list | tuple) or not lines:
        raise InvalidInput("Nhập ít nhất một số đường dây nóng — give the hotlines as a non-empty list",
                           {"lines": ["a non-empty list"]})
    errors: dict[str, Any] = {}
    if len(lines) > LINES_MAX:
        errors["lines"] = [f"at most {LINES_MAX} lines"]
    checked = []
    for index, line in enumerate(lines):
        line_errors: dict[str, list[str]] = {}
        if not isinstance(line, Mapping):
            errors[str(index)] = ["an object with position and phone"]
            continue
        position = clean_text(line.get("position"))
        if position is None or len(position) > POSITION_MAX:
            line_errors["position"] = [f"Nhập chức vụ — the leader's position, 1 to {POSITION_MAX} characters"]
        phone = clean_text(line.get("phone"))
        if phone is None or len(phone) > 32 or not _PHONE.match(_PHONE_SEPARATORS.sub("", phone)):
            line_errors["phone"] = ["Số điện thoại không hợp lệ — a work number of 8 to 15 digits, "
                                    "e.g. 024 3825 1234"]
        name = clean_text(line.get("name"))
        if name is not None and len(name) > NAME_MAX:
            line_errors["name"] = [f"at most {NAME_MAX} characters"]
        official = clean_text(line.get("official"))
        if official is not None and len(official) > CODE_MAX:
            line_errors["official"] = [f"a code has at most {CODE_MAX} characters"]
        note = clean_text(line.get("note"))
        if note is not None and len(note) > NOTE_MAX:
            line_errors["note"] = [f"at most {NOTE_MAX} characters"]
        if line_errors:
            errors[str(index)] = line_errors
            continue
        checked.append(Hotline(position=position, phone=phone, name=name, official=official, note=note))
    source_text = _source(source, errors)
    if errors:
        raise InvalidInput("Danh sách đường dây nóng chưa hợp lệ — the hotlines have invalid lines",
                           {"lines": errors})
    return PublicationContent(HOTLINES, tuple(checked), source_text or HOTLINES_SOURCE)


def _source(source: Any, errors: dict) -> str | None:
    text = clean_text(source)
    if text is not None and len(text) > SOURCE_MAX:
        errors["source"] = [f"at most {SOURCE_MAX} characters"]
    return text
