"""The pages every service serves: one layout, Vietnamese first with English on request, Vietnam's number and
date formats, and error pages for browsers (API clients keep the JSON error shape).

Server-rendered (Jinja2), no script needed to read or to submit a form; every asset comes from the platform
itself (`/<service>/static/`), and a Content-Security-Policy forbids inline scripts and styles.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote, urlsplit

from flask import Blueprint, current_app, g, make_response, redirect, render_template, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from jinja2 import ChoiceLoader, FileSystemLoader, Undefined

from shared.errors import Forbidden
from shared.web import session
from shared.web.schemas import LOCAL_TZ

WEB = Path(__file__).resolve().parent
LANGS = ("vi", "en")
LANG_COOKIE = "kc_lang"
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")

# What the shared layout and error pages say, Vietnamese first.
TEXTS: dict[str, tuple[str, str]] = {
    "platform": ("Kỷ Cương", "Kỷ Cương"),
    "tagline": ("Kỷ luật, kỷ cương hành chính", "Administrative discipline"),
    "skip": ("Bỏ qua, đến nội dung chính", "Skip to main content"),
    "language": ("English", "Tiếng Việt"),
    "sign_in": ("Đăng nhập", "Sign in"),
    "sign_out": ("Đăng xuất", "Sign out"),
    "signed_in_as": ("Đang làm việc với tư cách", "Signed in as"),
    "home": ("Trang chủ", "Home"),
    "error_404": ("Không tìm thấy trang", "Page not found"),
    "error_404_hint": ("Địa chỉ có thể đã sai hoặc trang không còn. Kiểm tra lại địa chỉ, hoặc về trang chủ.",
                       "The address may be wrong or the page gone. Check the address, or go to the home page."),
    "error_403": ("Bạn không có quyền xem trang này", "You may not see this page"),
    "error_403_hint": ("Trang này dành cho vai trò khác hoặc đơn vị khác.",
                       "This page is for another role or another unit."),
    "error_401": ("Bạn cần đăng nhập", "You need to sign in"),
    "error_401_hint": ("Phiên làm việc đã hết hạn hoặc bạn chưa đăng nhập.",
                       "Your session has expired, or you have not signed in."),
    "error_500": ("Hệ thống gặp sự cố", "Something went wrong"),
    "error_500_hint": ("Sự cố đã được ghi lại. Khi báo cho quản trị, hãy nêu mã:",
                       "The fault has been logged. When you report it, quote the code:"),
    "error_503": ("Hệ thống đang bảo trì", "The system is under maintenance"),
    "error_503_hint": ("Xin thử lại sau ít phút.", "Please try again in a few minutes."),
    "error_429": ("Bạn đã gửi quá nhiều lần", "Too many requests"),
    "error_429_hint": ("Xin đợi một lát rồi thử lại.", "Please wait a moment and try again."),
    "error_other": ("Không thực hiện được yêu cầu", "The request could not be done"),
    "error_summary": ("Có lỗi cần sửa", "There is a problem"),
    "previous": ("Trang trước", "Previous page"),
    "next": ("Trang sau", "Next page"),
    "page_of": ("Trang {page} / {pages}", "Page {page} of {pages}"),
    "pagination": ("Phân trang", "Pagination"),
    "sorted_ascending": ("sắp xếp tăng dần", "sorted ascending"),
    "sorted_descending": ("sắp xếp giảm dần", "sorted descending"),
    "overdue_by": ("Quá hạn {days} ngày", "Overdue by {days} days"),
    "just_overdue": ("Vừa quá hạn", "Just overdue"),
    "due_soon_left": ("Sắp đến hạn: còn {days} ngày", "Due soon: {days} days left"),
    "days_left": ("Còn {days} ngày", "{days} days left"),
    "main_navigation": ("Điều hướng chính", "Main navigation"),
    # Navigation by role (NAVIGATION below)
    "nav_my_dossiers": ("Hồ sơ của tôi", "My dossiers"),
    "nav_my_explanations": ("Giải trình của tôi", "My explanations"),
    "nav_my_tasks": ("Nhiệm vụ của tôi", "My tasks"),
    "nav_unit_dossiers": ("Hồ sơ của đơn vị", "Unit's dossiers"),
    "nav_to_judge": ("Giải trình chờ xem xét", "Explanations to judge"),
    "nav_apologies": ("Thư xin lỗi chờ ký", "Apologies to sign"),
    "nav_unit_tasks": ("Nhiệm vụ của đơn vị", "Unit's tasks"),
    "nav_scorecard": ("Kết quả của đơn vị", "Unit's scorecard"),
    "nav_reports": ("Báo cáo định kỳ", "Periodic reports"),
    "nav_home_affairs": ("Bàn làm việc Sở Nội vụ", "Home Affairs desk"),
    "nav_proposals": ("Đề xuất kỷ luật", "Sanction proposals"),
    "nav_inspections": ("Kiểm tra công vụ", "Inspections"),
    "nav_violations": ("Vi phạm", "Violations"),
    "nav_eligibility": ("Tra cứu bổ nhiệm, khen thưởng", "Eligibility"),
    "nav_audit": ("Nhật ký kiểm toán", "Audit log"),
    "nav_board": ("Bảng theo dõi hồ sơ", "Dossier board"),
    "nav_directives": ("Văn bản chỉ đạo", "Directing documents"),
    "nav_monday": ("Danh sách thứ Hai", "Monday list"),
    "nav_task_leaders": ("Nhiệm vụ theo người giao", "Tasks by assigner"),
    "nav_classification": ("Phân loại đơn vị hằng tháng", "Monthly classification"),
    "nav_rankings": ("Xếp hạng qua các tháng", "Rankings over months"),
}

# Where each role works, in the order the header shows it. One list, so every service's pages show the same
# navigation; a person with two roles sees both sets once.
NAVIGATION: tuple[tuple[str, str, str], ...] = (
    ("officer", "nav_my_dossiers", "/dossiers/workbench"),
    ("officer", "nav_my_explanations", "/discipline/explanations"),
    ("officer", "nav_my_tasks", "/tasks/workbench"),
    ("head", "nav_unit_dossiers", "/dossiers/unit"),
    ("head", "nav_to_judge", "/discipline/explanations/to-judge"),
    ("head", "nav_apologies", "/dossiers/apologies"),
    ("head", "nav_unit_tasks", "/tasks/unit"),
    ("head", "nav_scorecard", "/reporting/scorecard"),
    ("office", "nav_reports", "/reporting/reports"),
    ("admin", "nav_reports", "/reporting/reports"),
    ("inspector", "nav_home_affairs", "/discipline/inspector"),
    ("inspector", "nav_proposals", "/discipline/proposals"),
    ("inspector", "nav_inspections", "/discipline/inspections"),
    ("inspector", "nav_violations", "/discipline/violations"),
    ("inspector", "nav_eligibility", "/discipline/eligibility"),
    ("inspector", "nav_audit", "/discipline/audit"),
    ("office", "nav_board", "/reporting/board"),
    ("admin", "nav_board", "/reporting/board"),
    ("office", "nav_directives", "/tasks/directives"),
    ("office", "nav_monday", "/tasks/monday"),
    ("office", "nav_task_leaders", "/tasks/leaders"),
    ("admin", "nav_directives", "/tasks/directives"),
    ("admin", "nav_monday", "/tasks/monday"),
    ("admin", "nav_task_leaders", "/tasks/leaders"),
    ("office", "nav_classification", "/reporting/classification"),
    ("office", "nav_rankings", "/reporting/rankings"),
)
SIGN_IN_PATH = "/discipline/sign-in"
FLASH_COOKIE = "kc_flash"


def lang() -> str:
    """The reader's language: `?lang=` (remembered in a cookie), else the cookie, else Vietnamese."""
    if "lang" not in g:
        asked = request.args.get("lang")
        g.lang = asked if asked in LANGS else request.cookies.get(LANG_COOKIE) if \
            request.cookies.get(LANG_COOKIE) in LANGS else "vi"
    return g.lang


def t(key: str, **values) -> str:
    vi, en = TEXTS[key]
    text = vi if lang() == "vi" else en
    return text.format(**values) if values else text


def words(table: dict[str, tuple[str, str]]):
    """A page's own texts, {key: (Vietnamese, English)}, as a function of the key (and its {placeholders})
    that answers in the reader's language: `w = words(WORDS)`, then `w("title")` in the page and its template."""

    def say(key: str, **values) -> str:
        vi, en = table[key]
        text = vi if lang() == "vi" else en
        return text.format(**values) if values else text

    return say


def navigation(principal) -> list[tuple[str, str]]:
    """(label, path) of the places this person works, by role."""
    if principal is None:
        return []
    seen, links = set(), []
    for role, key, path in NAVIGATION:
        if role in principal.roles and path not in seen:
            seen.add(path)
            links.append((t(key), path))
    return links


def urgency(remaining_days) -> str:
    """The badge of a deadline by the working days left: overdue (red), due within one working day (amber),
    or within its time."""
    days = Decimal(str(remaining_days))
    if days <= 0:
        return "overdue"
    if days <= 1:
        return "due_soon"
    return "on_track"


def remaining_badge(remaining_days) -> str:
    """The words of a remaining-time badge: `Quá hạn 1,50 ngày`, `Còn 3,00 ngày`."""
    state = urgency(remaining_days)
    days = Decimal(str(remaining_days))
    if state == "overdue":
        # Overdue by minutes, or past closing time: "0,00 days" would read as not overdue at all.
        return t("just_overdue") if -days < Decimal("0.005") else t("overdue_by", days=vn_number(-days, 2))
    return t("due_soon_left" if state == "due_soon" else "days_left", days=vn_number(days, 2))


@dataclass(frozen=True)
class Pager:
    """One page of a long list: which page, how many in all, and the links to its neighbours."""

    page: int
    page_size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.page_size))

    def link(self, page: int) -> str:
        args = {**request.args.to_dict(), "page": str(page)}
        return request.path + "?" + "&".join(f"{quote(k)}={quote(v)}" for k, v in args.items())


def page_number(maximum: int = 100_000) -> int:
    """The `page` query argument, 1 when absent or not a sensible page number."""
    page = request.args.get("page", "1")
    return int(page) if page.isdigit() and 0 < int(page) < maximum else 1


def sort_order(allowed: tuple[str, ...], default: str) -> tuple[str, bool]:
    """The `sort` query argument (`field` or `-field`) among `allowed`: (field, descending)."""
    asked = request.args.get("sort", default)
    field, descending = (asked[1:], True) if asked.startswith("-") else (asked, False)
    if field not in allowed:
        field, descending = (default[1:], True) if default.startswith("-") else (default, False)
    return field, descending


def sort_link(field: str, current: tuple[str, bool]) -> str:
    """The link of a sortable column header: ascending first, reversed when it is already sorted by it."""
    descending = current[0] == field and not current[1]
    args = {**request.args.to_dict(), "sort": ("-" if descending else "") + field, "page": "1"}
    return request.path + "?" + "&".join(f"{quote(k)}={quote(v)}" for k, v in args.items())


def _flash_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.extensions["kycuong"].settings.session_secret, salt="kycuong.flash")


def flash(message: str, kind: str = "success") -> None:
    """A message shown once on the next page (after a form's redirect): `success`, `info` or `error`."""
    g.setdefault("flash_out", []).append([kind, message])


def _flashes() -> list[tuple[str, str]]:
    """The messages waiting for this page, read once."""
    value = request.cookies.get(FLASH_COOKIE)
    if not value:
        return []
    g.flash_read = True
    try:
        found = _flash_serializer().loads(value, max_age=300)
    except BadSignature:
        return []
    return [(str(kind), str(text)) for kind, text in found if kind in ("success", "info", "error")][:5]


def _store_flashes(response):
    if g.get("flash_out"):
        response.set_cookie(FLASH_COOKIE, _flash_serializer().dumps(g.flash_out), max_age=300, httponly=True,
                            samesite="Lax", secure=request.is_secure, path="/")
    elif g.get("flash_read"):
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response


FORM_COOKIE = "kc_form"


def form_token() -> str:
    """The CSRF token a form carries: the session's for a signed-in person; for a citizen without a session,
    a random token also set in a cookie (double submit), so a page of another site cannot send the form in
    their name."""
    from shared.web.access import current_session

    signed_in = current_session()
    if signed_in is not None:
        return signed_in.csrf
    token = request.cookies.get(FORM_COOKIE) or g.get("new_form_token")
    if not token:
        token = g.new_form_token = secrets.token_urlsafe(24)
    return token


def check_form_token() -> None:
    """Refuse a public form whose token is missing or not this browser's (a signed-in person's forms are
    checked against the session by shared.web.access)."""
    from shared.web.access import current_session

    if current_session() is not None:
        return
    sent, expected = request.form.get(session.CSRF_FIELD), request.cookies.get(FORM_COOKIE)
    if not sent or not expected or not secrets.compare_digest(sent, expected):
        raise Forbidden("this form has expired or did not come from this site; reload the page and try again",
                        {session.CSRF_FIELD: ["missing or not this browser's"]})


def _store_form_token(response):
    if g.get("new_form_token"):
        response.set_cookie(FORM_COOKIE, g.new_form_token, max_age=12 * 3600, httponly=True, samesite="Lax",
                            secure=request.is_secure, path="/")
    return response


def sign_in_redirect():
    """Send a browser without a (valid) session to sign in, and bring it back here afterwards: the page it
    asked for, or for a form, the page the form was on."""
    target = request.full_path.rstrip("?") if request.method == "GET" else None
    if target is None:
        referrer = urlsplit(request.referrer or "")
        if referrer.path.startswith("/") and referrer.netloc in ("", request.host):
            target = referrer.path + (f"?{referrer.query}" if referrer.query else "")
    response = redirect(SIGN_IN_PATH + (f"?next={quote(target)}" if target else ""), code=303)
    if request.cookies.get(session.COOKIE):
        response.delete_cookie(session.COOKIE, path="/")  # expired or damaged: it will not come back to life
    return response


def vn_number(value, decimals: int = 0) -> str:
    """A number as Vietnamese write it: `1.234.567`, `14,29`; "—" for none."""
    if value is None or isinstance(value, Undefined):
        return "—"
    text = f"{Decimal(str(value)):,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def vn_datetime(value: datetime | None) -> str:
    """An instant in Hà Nội time, `01/12/2026 10:44`."""
    if value is None:
        return "—"
    if value.tzinfo is not None:
        value = value.astimezone(LOCAL_TZ)
    return value.strftime("%d/%m/%Y %H:%M")


def vn_date(value: date | None) -> str:
    return "—" if value is None else value.strftime("%d/%m/%Y")


def static_blueprint(service: str) -> Blueprint:
    """The shared look (CSS, vendored scripts) at /<service>/static/, served by the service itself."""
    return Blueprint(f"{service}_static", __name__, static_folder=str(WEB / "static" / "kycuong"),
                     static_url_path="/static")


def install(app, service: str) -> None:
    """Give a service's Flask app the shared templates, filters and page helpers."""
    app.jinja_loader = ChoiceLoader([app.jinja_loader, FileSystemLoader(str(WEB / "templates"))]) \
        if app.jinja_loader else FileSystemLoader(str(WEB / "templates"))
    app.jinja_env.filters.update(vn_number=vn_number, vn_datetime=vn_datetime, vn_date=vn_date,
                                 urgency=urgency, remaining_badge=remaining_badge)
    app.jinja_env.globals.update(t=t, lang=lang, service=service, csrf_field=session.CSRF_FIELD,
                                 sort_link=sort_link, form_token=form_token)
    app.register_blueprint(static_blueprint(service), url_prefix=f"/{service}")
    app.after_request(_store_flashes)
    app.after_request(_store_form_token)

    @app.context_processor
    def _page_context():
        from shared.web.access import current_session

        try:
            signed_in = current_session()
        except Exception:  # an expired or forged cookie: the page is shown as signed out
            signed_in = None
        return {"signed_in": signed_in, "static": f"/{service}/static/",
                "navigation": navigation(signed_in.principal if signed_in else None),
                "flashes": _flashes(), "current_path": request.path}


def content_security_policy() -> str:
    """CSP; forms may also lead to the identity provider's origin (signing in and out leave for it, and a
    browser holds a form's redirects to `form-action` too)."""
    issuer = current_app.extensions["kycuong"].settings.oidc_issuer
    parts = urlsplit(issuer or "")
    if not (parts.scheme in ("http", "https") and parts.netloc):
        return CSP
    return CSP.replace("form-action 'self'", f"form-action 'self' {parts.scheme}://{parts.netloc}")


def render(template: str, status: int = 200, **context):
    """A page in the shared layout, with the security headers every page carries."""
    response = make_response(render_template(template, **context), status)
    response.headers["Content-Security-Policy"] = content_security_policy()
    response.headers["Content-Language"] = lang()
    if request.args.get("lang") in LANGS:
        response.set_cookie(LANG_COOKIE, request.args["lang"], max_age=365 * 24 * 3600, samesite="Lax",
                            httponly=True, secure=request.is_secure)
    return response


def wants_page() -> bool:
    """A browser asking for a page (not an API client, not an API path): errors answer it in HTML."""
    if "/api/" in request.path or request.path.endswith((".json", ".pdf", ".xlsx", ".docx")):
        return False
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "text/html" and request.accept_mimetypes["text/html"] > request.accept_mimetypes["application/json"]


def error_page(status: int, message: str | None = None, *, reference: str | None = None, retry_after=None):
    key = f"error_{status}" if f"error_{status}" in TEXTS else "error_other"
    hint_key = f"{key}_hint" if f"{key}_hint" in TEXTS else None
    response = render("error.html", status=status, status_code=status, title=t(key),
                      hint=t(hint_key) if hint_key else None, message=message, reference=reference)
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    current_app.logger.debug("error page %s", status)
    return response
