"""What Home Affairs' pages share: reading dates typed the Vietnamese way, and turning a use case's refusal
into the errors of a form (each linked from the error summary to its field)."""

from __future__ import annotations

import re
from datetime import date, datetime

from shared.errors import DomainError
from shared.events.vocabulary import SANCTION_FORMS, sanction_form_label
from shared.web.schemas import LOCAL_TZ

ROLES = ("inspector", "office", "admin")  # Home Affairs' inspectors; the office and admins read it too
STATUS_LABELS = {"proposed": "Đã đề xuất", "in_progress": "Đang xử lý", "decided": "Đã có quyết định",
                 "dropped": "Đã dừng, không kỷ luật"}
EXPLANATION_STATUS_LABELS = {"unassigned": "Chưa xác định người giải trình", "requested": "Đang chờ giải trình",
                             "submitted": "Đã nộp, chờ xem xét", "accepted": "Được chấp nhận",
                             "rejected": "Không được chấp nhận", "missed": "Quá hạn không giải trình"}
_DAY = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*$")


def parse_day(text: str | None) -> date | None:
    """`01/12/2026` (as Vietnamese write it) or `2026-12-01` (a date field); None when not a date."""
    text = (text or "").strip()
    if not text:
        return None
    found = _DAY.match(text)
    try:
        if found:
            return date(int(found[3]), int(found[2]), int(found[1]))
        return date.fromisoformat(text)
    except ValueError:
        return None


def parse_moment(text: str | None) -> datetime | None:
    """A local date and time from a `datetime-local` field (`2026-12-01T10:30`) or `01/12/2026 10:30`, in Hà
    Nội time; None when not one."""
    text = (text or "").strip()
    found = re.match(r"^(\d{1,2}/\d{1,2}/\d{4})\s+(\d{1,2}):(\d{2})$", text)
    try:
        if found:
            day = parse_day(found[1])
            return datetime(day.year, day.month, day.day, int(found[2]), int(found[3]), tzinfo=LOCAL_TZ) \
                if day else None
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.replace(tzinfo=LOCAL_TZ) if moment.tzinfo is None else moment


def local_input(moment: datetime) -> str:
    """A moment as a `datetime-local` field shows it, in Hà Nội time."""
    return moment.astimezone(LOCAL_TZ).strftime("%Y-%m-%dT%H:%M")


def form_errors(error: DomainError, fields: dict[str, str], fallback: str) -> dict[str, str]:
    """The refusal's field errors keyed by the form's field ids (`fields` maps the use case's names to them);
    anything not tied to a field of the form goes to `fallback`, with the refusal's message."""
    found: dict[str, str] = {}
    for name, messages in (error.errors or {}).items():
        text = "; ".join(str(m) for m in messages) if isinstance(messages, list | tuple) else str(messages)
        key = fields.get(name) or fields.get(name.rsplit(".", 1)[-1])
        if key:
            found[key] = f"{found[key]}; {text}" if key in found else text
    if not found:
        found[fallback] = error.message
    return found


def form_options(codes) -> list[tuple[str, str]]:
    return [(code, sanction_form_label(code)) for code in codes]


ALL_FORMS = form_options(SANCTION_FORMS)
