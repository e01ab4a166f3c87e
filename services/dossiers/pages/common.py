"""What the dossiers pages share: the blueprint, reading a form, and turning a use case's refusal into the
form shown again with its errors (422, nothing changed)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from flask import Blueprint, request

from shared.web.schemas import LOCAL_TZ

pages = Blueprint("dossiers_pages", __name__, template_folder=str(Path(__file__).parents[1] / "templates"))
PAGE_SIZE = 50

STATUS_LABELS = {
    "received": "Đang giải quyết",
    "awaiting_supplement": "Chờ công dân bổ sung",
    "completed": "Đã có kết quả",
    "returned": "Đã trả kết quả",
    "refused": "Đã từ chối giải quyết",
    "withdrawn": "Công dân đã rút hồ sơ",
    "stopped": "Đã dừng xử lý",
}


def arg(name: str, allowed=None) -> str | None:
    """A query argument, None when empty or not among `allowed`."""
    value = (request.args.get(name) or "").strip() or None
    if value is not None and allowed is not None and value not in allowed:
        return None
    return value


def form_text(name: str) -> str:
    return (request.form.get(name) or "").strip()


def local_datetime(value: str) -> datetime | None:
    """A `datetime-local` field (`2026-12-04T16:30`) as an instant in Hà Nội time; None when not one."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment.replace(tzinfo=LOCAL_TZ) if moment.tzinfo is None else moment


def field_errors(error, fields: dict[str, str], fallback: str) -> dict[str, str]:
    """A use case's refusal as the form's errors: each field it names that the form has (`fields` maps the
    use case's field to the form's), in Vietnamese first with the detail; else on `fallback`."""
    found: dict[str, str] = {}
    for name, messages in (getattr(error, "errors", None) or {}).items():
        target = fields.get(name)
        if target is not None and target not in found:
            detail = "; ".join(str(m) for m in messages) if isinstance(messages, list) else str(messages)
            found[target] = f"Không thực hiện được: {error.message} ({detail})"
    return found or {fallback: f"Không thực hiện được: {error.message}"}
