"""What each unit publishes for citizens (`/feedback/units`): the rules its one-stop desk serves by and its
leaders' hotline numbers, the version in force today with its date and source. Public; the unit is found
by name without accents, as on the feedback form."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, request

from services.feedback.domain.published import HOTLINES, PUBLICATION_KINDS, SERVICE_RULES
from services.feedback.use_cases import directory, publications
from shared.errors import NotFound
from shared.web import runtime
from shared.web.pages import render, words

pages = Blueprint("publications", __name__, template_folder=str(Path(__file__).parents[1] / "templates"))

WORDS: dict[str, tuple[str, str]] = {
    "title": ("Quy tắc phục vụ và đường dây nóng", "Service rules and hotlines"),
    "lead": ("Mỗi cơ quan công khai quy tắc phục vụ tại bộ phận một cửa và số điện thoại đường dây nóng của "
             "lãnh đạo, để người dân phản ánh trực tiếp.",
             "Every office publishes the rules its one-stop desk serves by and its leaders' hotline numbers, so "
             "that citizens can report to them directly."),
    "search": ("Tìm cơ quan, đơn vị", "Find an office"), "find": ("Tìm", "Search"),
    "rules": ("Quy tắc phục vụ", "Service rules"), "hotlines": ("Đường dây nóng của lãnh đạo", "Leaders' hotlines"),
    "since": ("Có hiệu lực từ {day}", "In force since {day}"), "source": ("Căn cứ", "Source"),
    "none": ("Đơn vị chưa công bố.", "Not published yet."), "position": ("Chức vụ", "Position"),
    "name": ("Họ và tên", "Name"), "phone": ("Số điện thoại", "Phone"), "note": ("Ghi chú", "Note"),
    "no_unit": ("Không có cơ quan, đơn vị này.", "There is no such office."),
    "report": ("Gửi phản ánh về cơ quan này", "Send feedback about this office"),
}


w = words(WORDS)


@pages.get("/units")
def units():
    search = request.args.get("q", "")
    found = directory.units_to_choose(runtime().uow(), search)
    return render("units.html", title=w("title"), w=w, units=found, search=search)


@pages.get("/units/<code>")
def unit(code: str):
    named = dict(directory.units_to_choose(runtime().uow(), code))
    if code not in named:
        return render("units.html", status=404, title=w("title"), w=w, units=[], search=code, missing=True)
    shown = {}
    for kind in (SERVICE_RULES, HOTLINES):
        try:
            shown[kind] = publications.published_on(runtime().uow(), code, kind)
        except NotFound:
            shown[kind] = None
    response = render("unit_publications.html", title=named[code], w=w, code=code, rules=shown[SERVICE_RULES],
                      hotlines=shown[HOTLINES], kinds=PUBLICATION_KINDS)
    response.headers["Cache-Control"] = "public, max-age=60"
    return response
