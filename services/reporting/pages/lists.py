"""The public lists (`/reporting/lists`): units and officials who serve well this month, and those whose
violations were decided this year (decided sanctions only: a proposal never reaches them), each entry dated,
with the rule that put it there. The same use cases as the public API (use_cases.public, public_people)."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, request

from services.reporting.use_cases import public, public_people
from shared.errors import InvalidInput
from shared.web import runtime
from shared.web.pages import lang, render, words

pages = Blueprint("reporting_lists", __name__, template_folder=str(Path(__file__).parents[1] / "templates"))

WORDS: dict[str, tuple[str, str]] = {
    "title": ("Danh sách công khai", "Public lists"),
    "lead": ("Đơn vị, cá nhân thực hiện tốt trong tháng; cá nhân bị xử lý kỷ luật và đơn vị vi phạm trong năm. "
             "Chỉ các quyết định kỷ luật đã ban hành được công bố.",
             "Units and officials who served well this month; officials disciplined and units in breach this "
             "year. Only decided sanctions are published."),
    "good_units": ("Đơn vị thực hiện tốt tháng {period}", "Units serving well, {period}"),
    "good_people": ("Cá nhân thực hiện tốt tháng {period}", "Officials serving well, {period}"),
    "violators": ("Cá nhân bị xử lý kỷ luật năm {year}", "Officials disciplined in {year}"),
    "violating_units": ("Đơn vị vi phạm năm {year}", "Units in breach, {year}"),
    "unit": ("Cơ quan, đơn vị", "Office"), "official": ("Cán bộ, công chức", "Official"),
    "score": ("Điểm tổng hợp", "Composite score"), "band": ("Xếp loại", "Band"),
    "steps": ("Bước xử lý đúng hạn / đã xử lý", "Steps on time / handled"),
    "form": ("Hình thức kỷ luật", "Sanction"), "decided": ("Ngày quyết định", "Decided on"),
    "decision": ("Số quyết định", "Decision"), "until": ("Hiệu lực đến", "In force until"),
    "decisions": ("Quyết định kỷ luật", "Decisions"), "no_apology": ("Trễ hạn không xin lỗi", "Late, no apology"),
    "missed": ("Không giải trình", "Explanations missed"), "rule": ("Tiêu chí", "Rule"),
    "none": ("Không có.", "None."), "as_of": ("Số liệu tính đến {at}.", "Figures as of {at}."),
}


w = words(WORDS)


@pages.get("/lists")
def lists():
    uow, reader = runtime().uow, lang()
    period = request.args.get("period") or None
    year = request.args.get("year", "")
    year = int(year) if year.isdigit() else None
    try:
        good_units = public.good_performers(uow(), period, None, reader)
        good_people = public_people.good_individuals(uow(), period, reader)
    except InvalidInput:
        good_units = public.good_performers(uow(), None, None, reader)
        good_people = public_people.good_individuals(uow(), None, reader)
    try:
        violators = public.public_violators(uow(), year, 1, 200, reader)
        violating = public_people.violating_units(uow(), year, reader)
    except InvalidInput:
        violators = public.public_violators(uow(), None, 1, 200, reader)
        violating = public_people.violating_units(uow(), None, reader)
    response = render("lists.html", title=w("title"), w=w, good_units=good_units, good_people=good_people,
                      violators=violators, violating=violating)
    response.headers["Cache-Control"] = "public, max-age=60"
    return response
