"""The public home page (`/`, served here at `/reporting/`): the month's ranking of units with a chart and the
formula that makes it, and the ways in for citizens (send feedback, follow it). No sign-in; the same figures
as the public ranking API (use_cases.public), in the reader's language."""

from __future__ import annotations

import threading
from pathlib import Path

from cachetools import TTLCache
from flask import Blueprint, request

from services.reporting.use_cases import public
from shared.errors import InvalidInput
from shared.web import current_session, runtime
from shared.web.pages import lang, page_number, render, words

pages = Blueprint("reporting_home", __name__, template_folder=str(Path(__file__).parents[1] / "templates"))
PAGE_SIZE = 25
CHART_UNITS = 10  # the chart shows the first units; the table below it has them all

WORDS: dict[str, tuple[str, str]] = {
    "title": ("Kỷ luật, kỷ cương hành chính — công khai", "Administrative discipline — in public"),
    "lead": ("Mỗi hồ sơ của người dân được theo dõi theo thời hạn luật định; mỗi chậm trễ được làm rõ trách nhiệm; "
             "các cơ quan được xếp hạng công khai hằng tháng.",
             "Every citizen's dossier is held to its legal time limit; every delay is traced to those responsible; "
             "offices are ranked in public every month."),
    "ranking": ("Xếp hạng các cơ quan, đơn vị tháng {period}", "Ranking of offices, {period}"),
    "chart": ("{n} đơn vị dẫn đầu theo điểm tiến độ", "The first {n} units by progress score"),
    "rank": ("Hạng", "Rank"), "unit": ("Cơ quan, đơn vị", "Office"),
    "score": ("Điểm tiến độ (tối đa 20)", "Score (of 20)"),
    "received": ("Hồ sơ trong kỳ", "Dossiers"), "on_time": ("Đúng hạn, còn hạn", "On time or within"),
    "late": ("Trễ hạn", "Late"), "overdue": ("Đang quá hạn", "Open and overdue"),
    "rate": ("Tỉ lệ đúng hạn", "On-time rate"),
    "empty": ("Chưa có đơn vị nào có hồ sơ trong tháng này.", "No office has a dossier this month yet."),
    "how": ("Cách tính", "How it is computed"), "caveats": ("Lưu ý", "Caveats"),
    "not_ranked": ("{n} đơn vị không có hồ sơ trong kỳ, không xếp hạng.", "{n} units without dossiers are not ranked."),
    "as_of": ("Số liệu tính đến {at}.", "Figures as of {at}."),
    "citizens": ("Dành cho người dân, doanh nghiệp", "For citizens and businesses"),
    "lookup": ("Tra cứu hồ sơ", "Look up a dossier"),
    "lookup_hint": ("Tình trạng hồ sơ thủ tục hành chính của bạn, với mã bí mật trên giấy tiếp nhận.",
                    "Your dossier's status, with the secret on your receipt."),
    "send": ("Gửi phản ánh, kiến nghị", "Send feedback"),
    "send_hint": ("Chậm trễ, nhũng nhiễu, thái độ phục vụ, thủ tục rườm rà: gửi ẩn danh hoặc để lại liên hệ.",
                  "Delays, harassment, poor service, needless steps: anonymously or with your contact."),
    "track": ("Tra cứu phản ánh", "Follow your feedback"),
    "track_hint": ("Xem tình trạng và kết quả xử lý bằng mã tra cứu.", "See its status and answer with its code."),
    "lists": ("Danh sách công khai", "Public lists"),
    "lists_hint": ("Đơn vị, cá nhân thực hiện tốt; cá nhân bị kỷ luật, đơn vị vi phạm.",
                   "Who serves well; who was disciplined, which units are in breach."),
    "rules": ("Quy tắc phục vụ, đường dây nóng", "Service rules, hotlines"),
    "rules_hint": ("Quy tắc phục vụ của từng cơ quan và số điện thoại lãnh đạo để phản ánh trực tiếp.",
                   "Each office's service rules and its leaders' numbers to report to directly."),
    "developers": ("Dành cho nhà phát triển", "For developers"),
    "open311": ("Open311 GeoReport v2 (JSON, XML)", "Open311 GeoReport v2 (JSON, XML)"),
    "period_label": ("Tháng", "Month"), "show": ("Xem", "Show"),
}


w = words(WORDS)


# The ranking a page shows, kept half a minute: every citizen reads the same, and ranking a thousand units for
# two periods on each request would cost most of the page's time (the gateway keeps the page a minute too).
_SHOWN: TTLCache = TTLCache(maxsize=512, ttl=30)
_SHOWN_LOCK = threading.Lock()


def _ranking(period: str | None, page: int, reader: str) -> dict:
    key = (runtime().database_url, period, page, reader)  # one entry per database, so per platform
    with _SHOWN_LOCK:
        found = _SHOWN.get(key)
    if found is None:
        found = public.public_ranking(runtime().uow(), period, None, "progress", page, PAGE_SIZE, reader)
        with _SHOWN_LOCK:
            _SHOWN[key] = found
    return found


@pages.get("/")
def home():
    period = request.args.get("period") or None
    try:
        ranking = _ranking(period, page_number(), lang())
    except InvalidInput:
        ranking = _ranking(None, 1, lang())
    chart = ranking["items"][:CHART_UNITS] if ranking["page"] == 1 else []
    response = render("home.html", title=w("title"), w=w, ranking=ranking, chart=chart,
                      pager={"page": ranking["page"], "pages": max(1, -(-ranking["total"] // PAGE_SIZE))})
    # The same for every citizen: the gateway and browsers may keep it for a minute. A signed-in official's
    # copy names them in its header: theirs alone.
    response.headers["Cache-Control"] = "private, no-cache" if current_session() else "public, max-age=60"
    return response
