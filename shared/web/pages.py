"""The pages every service serves: one layout, Vietnamese first with English on request, Vietnam's number and
date formats, and error pages for browsers (API clients keep the JSON error shape).

Server-rendered (Jinja2), no script needed to read or to submit a form; every asset comes from the platform
itself (`/<service>/static/`), and a Content-Security-Policy forbids inline scripts and styles.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from flask import Blueprint, current_app, g, make_response, render_template, request
from jinja2 import ChoiceLoader, FileSystemLoader

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
    "error_other": ("Không thực hiện được yêu cầu", "The request could not be done"),
}


def lang() -> str:
    """The reader's language: `?lang=` (remembered in a cookie), else the cookie, else Vietnamese."""
    if "lang" not in g:
        asked = request.args.get("lang")
        g.lang = asked if asked in LANGS else request.cookies.get(LANG_COOKIE) if \
            request.cookies.get(LANG_COOKIE) in LANGS else "vi"
    return g.lang


def t(key: str) -> str:
    vi, en = TEXTS[key]
    return vi if lang() == "vi" else en


def vn_number(value, decimals: int = 0) -> str:
    """A number as Vietnamese write it: `1.234.567`, `14,29`."""
    if value is None:
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
    app.jinja_env.filters.update(vn_number=vn_number, vn_datetime=vn_datetime, vn_date=vn_date)
    app.jinja_env.globals.update(t=t, lang=lang, service=service, csrf_field=session.CSRF_FIELD)
    app.register_blueprint(static_blueprint(service), url_prefix=f"/{service}")

    @app.context_processor
    def _page_context():
        from shared.web.access import current_session

        try:
            signed_in = current_session()
        except Exception:  # an expired or forged cookie: the page is shown as signed out
            signed_in = None
        return {"signed_in": signed_in, "static": f"/{service}/static/"}


def render(template: str, status: int = 200, **context):
    """A page in the shared layout, with the security headers every page carries."""
    response = make_response(render_template(template, **context), status)
    response.headers["Content-Security-Policy"] = CSP
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
