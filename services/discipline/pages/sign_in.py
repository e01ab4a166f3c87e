"""Signing in and out in a browser. The session cookie it sets is accepted by every service (shared.web).

On the embedded demo a page lists the demo's officials to sign in as; anywhere else signing in goes through
the province's identity provider: OpenID Connect, authorization code with PKCE (shared.oidc). The provider's
subject is looked up in the directory (officials.idp_subject), which gives the official's unit and roles; an
account linked to no official gets no session. While the provider is not configured the page says so plainly.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from urllib.parse import quote

from flask import Blueprint, current_app, redirect, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from services.discipline.use_cases import sign_in
from shared import oidc
from shared.errors import NotFound
from shared.web import current_session, runtime
from shared.web import session as web_session
from shared.web.pages import lang, render

pages = Blueprint("sign_in", __name__, template_folder=str(Path(__file__).parents[1] / "templates"))

SIGN_IN_PATH = "/discipline/sign-in"
CALLBACK_PATH = "/discipline/sign-in/callback"
SIGN_OUT_PATH = "/discipline/sign-out"
# Before anyone is signed in, the sign-in form carries a token of its own, matched against a cookie
# (double submit): another site cannot sign a browser in as someone else.
SIGN_IN_CSRF_COOKIE = "kc_sign_in_csrf"
# Between leaving for the identity provider and coming back: state, nonce, PKCE verifier and the page asked
# for, signed, for ten minutes, sent back only to the callback. SameSite=Lax: the provider's redirect is a
# top-level navigation from another site, which Lax lets through and Strict would not.
ATTEMPT_COOKIE = "kc_oidc_attempt"
ATTEMPT_LIFETIME = 600
# The provider's ID token, kept for signing out there too (id_token_hint); sent only to the sign-out path.
ID_TOKEN_COOKIE = "kc_oidc_id_token"

# What these pages say, Vietnamese first (English with ?lang=en, as the shared layout).
TEXTS: dict[str, tuple[str, str]] = {
    "title": ("Đăng nhập", "Sign in"),
    "lead": ("Đăng nhập bằng tài khoản của bạn ở hệ thống định danh của tỉnh. Hệ thống sẽ chuyển bạn sang trang "
             "đăng nhập của hệ thống định danh, rồi đưa bạn trở lại trang bạn cần.",
             "Sign in with your account at the province's identity provider. You will be taken to its sign-in page, "
             "then brought back to the page you asked for."),
    "form_expired": ('Biểu mẫu đã hết hạn, xin bấm "Đăng nhập" lại.', 'The form has expired; press "Sign in" again.'),
    "button": ("Đăng nhập", "Sign in"),
    "not_linked_hint": ("Nếu tài khoản của bạn chưa được liên kết với hồ sơ cán bộ, hãy đề nghị văn phòng đơn vị của "
                        "bạn liên kết.",
                        "If your account is not yet linked to your official's record, ask your unit's office to link "
                        "it."),
    "unavailable": ("Đăng nhập bằng trình duyệt qua hệ thống định danh của tỉnh (OpenID Connect) chưa được cấu hình "
                    "trên hệ thống này.",
                    "Signing in with a browser through the province's identity provider (OpenID Connect) is not "
                    "configured on this system."),
    "unavailable_admin": ("Quản trị hệ thống cần khai báo hệ thống định danh: địa chỉ (issuer), mã và khóa bí mật "
                          "của ứng dụng",
                          "The administrator must configure the identity provider: its issuer address, and this "
                          "application's client id and secret"),
    "unavailable_api": ("Các hệ thống khác vẫn làm việc qua API với mã thông báo (token) do hệ thống định danh cấp.",
                        "Other systems keep working through the API with tokens the identity provider issues."),
    "not_signed_in": ("Bạn chưa được đăng nhập.", "You are not signed in."),
    "retry": ("Đăng nhập lại", "Sign in again"),
    "account_code": ("Mã tài khoản", "Account"),
    "error_code": ("Mã lỗi", "Error code"),
    # What went wrong while signing in through the identity provider, and what to do.
    "expired_heading": ("Lượt đăng nhập đã hết hạn", "This sign-in has expired"),
    "expired_advice": ("Lượt đăng nhập này đã quá 10 phút, đã được dùng rồi, hoặc trình duyệt không giữ cookie của "
                       "hệ thống. Hãy đăng nhập lại.",
                       "It is more than 10 minutes old, was already used, or the browser did not keep the system's "
                       "cookie. Sign in again."),
    "state_heading": ("Yêu cầu đăng nhập không hợp lệ", "The sign-in request is not valid"),
    "state_advice": ("Câu trả lời của hệ thống định danh không khớp với lượt đăng nhập trên trình duyệt này (đường "
                     "dẫn có thể đã bị sửa). Để an toàn, bạn chưa được đăng nhập. Hãy đăng nhập lại từ trang của hệ "
                     "thống.",
                     "The identity provider's answer does not match the sign-in started in this browser (the link "
                     "may have been altered). To be safe, you were not signed in. Sign in again from this site."),
    "denied_heading": ("Hệ thống định danh không cho phép đăng nhập", "The identity provider did not sign you in"),
    "denied_advice": ("Bạn đã hủy đăng nhập, hoặc tài khoản không được phép dùng hệ thống này. Nếu cần, hãy liên hệ "
                      "bộ phận quản lý tài khoản của tỉnh.",
                      "You cancelled, or the account may not use this system. If needed, contact the province's "
                      "account administrators."),
    "provider_error_heading": ("Hệ thống định danh báo lỗi", "The identity provider reported an error"),
    "provider_error_advice": ("Hãy đăng nhập lại. Nếu lỗi lặp lại, báo cho quản trị hệ thống kèm mã lỗi dưới đây.",
                              "Sign in again. If it happens again, tell the administrator the error code below."),
    "unreachable_heading": ("Không kết nối được hệ thống định danh", "The identity provider cannot be reached"),
    "unreachable_advice": ("Xin thử lại sau ít phút. Nếu vẫn không được, báo cho quản trị hệ thống.",
                           "Try again in a few minutes. If it still fails, tell the administrator."),
    "misconfigured_heading": ("Hệ thống định danh chưa được cấu hình đúng",
                              "The identity provider is not configured correctly"),
    "misconfigured_advice": ("Quản trị hệ thống cần kiểm tra cấu hình hệ thống định danh (KYCUONG_OIDC_*).",
                             "The administrator must check the identity provider's settings (KYCUONG_OIDC_*)."),
    "refused_heading": ("Không xác minh được lượt đăng nhập", "The sign-in could not be verified"),
    "refused_advice": ("Hệ thống định danh không chấp nhận lượt đăng nhập này. Hãy đăng nhập lại; nếu vẫn lỗi, báo "
                       "cho quản trị hệ thống.",
                       "The identity provider did not accept this sign-in. Sign in again; if it still fails, tell "
                       "the administrator."),
    "invalid_token_heading": ("Không xác minh được lượt đăng nhập", "The sign-in could not be verified"),
    "invalid_token_advice": ("Thông tin hệ thống định danh gửi về không hợp lệ, nên bạn chưa được đăng nhập. Báo cho "
                             "quản trị hệ thống.",
                             "What the identity provider sent back is not valid, so you were not signed in. Tell the "
                             "administrator."),
    "not_linked_heading": ("Tài khoản chưa được liên kết với cán bộ nào", "This account is not linked to an official"),
    "not_linked_advice": ("Tài khoản của bạn ở hệ thống định danh chưa được liên kết với một cán bộ trong danh bạ. "
                          "Hãy đề nghị văn phòng đơn vị của bạn liên kết tài khoản, kèm mã tài khoản dưới đây.",
                          "Your account at the identity provider is not linked to an official of the directory. Ask "
                          "your unit's office to link it, giving them the account below."),
}
# The status of each failure's page.
FAILURES: dict[str, int] = {"expired": 400, "state": 400, "denied": 403, "provider_error": 400, "unreachable": 502,
                            "misconfigured": 502, "refused": 502, "invalid_token": 502, "not_linked": 403}


def say(key: str) -> str:
    vi, en = TEXTS[key]
    return en if lang() == "en" else vi


def _secure() -> bool:
    """The browser reached us over HTTPS: directly, or through a trusted gateway that says so."""
    if request.is_secure:
        return True
    return runtime().settings.trusts_proxy(request.remote_addr) and \
        request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower() == "https"


def _origin() -> str:
    return ("https" if _secure() else "http") + "://" + request.host


def _cookie_flags(path: str = "/") -> dict:
    return {"httponly": True, "secure": _secure(), "samesite": "Lax", "path": path}


def _attempts() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(runtime().settings.session_secret, salt="kycuong.oidc-attempt")


def _client() -> oidc.Client | None:
    return oidc.client_for(runtime().settings)


def _sign_in_form(template: str, **context):
    token = secrets.token_urlsafe(24)
    response = render(template, title=say("title"), say=say, token=token, error=request.args.get("error"),
                      next=request.args.get("next") if _local(request.args.get("next")) else None, **context)
    response.set_cookie(SIGN_IN_CSRF_COOKIE, token, max_age=3600, **{**_cookie_flags(), "samesite": "Strict"})
    return response


def _form_token_matches() -> bool:
    sent, expected = request.form.get(web_session.CSRF_FIELD), request.cookies.get(SIGN_IN_CSRF_COOKIE)
    return bool(sent) and bool(expected) and secrets.compare_digest(sent.encode(), expected.encode())


def _signed_in(response, principal, id_token: str | None = None):
    """Give the browser its session (as the demo does), and keep the provider's ID token for signing out."""
    lifetime = int(web_session.LIFETIME.total_seconds())
    response.set_cookie(web_session.COOKIE, web_session.issue(runtime().settings.session_secret, principal),
                        max_age=lifetime, **_cookie_flags())
    if id_token:
        response.set_cookie(ID_TOKEN_COOKIE, id_token, max_age=lifetime, **_cookie_flags(SIGN_OUT_PATH))
    response.delete_cookie(SIGN_IN_CSRF_COOKIE, path="/")
    return response


@pages.get("/sign-in")
def sign_in_page():
    settings = runtime().settings
    if settings.embedded_default:
        return _sign_in_form("sign_in_demo.html", choices=sign_in.choices(runtime().uow()))
    if not settings.oidc_configured:
        return render("sign_in_unavailable.html", title=say("title"), say=say)
    return _sign_in_form("sign_in_oidc.html")


@pages.post("/sign-in/demo")
def sign_in_as():
    settings = runtime().settings
    if not settings.embedded_default:
        return render("sign_in_unavailable.html", status=404, title=say("title"), say=say)
    if not _form_token_matches():
        return redirect(f"{SIGN_IN_PATH}?error=expired", code=303)
    principal = sign_in.principal_of(runtime().uow(), request.form.get("official", ""))
    return _signed_in(redirect(request.form.get("next") if _local(request.form.get("next")) else "/", code=303),
                      principal)


@pages.post("/sign-in/start")
def sign_in_start():
    """Leave for the identity provider with a fresh state, nonce and PKCE verifier (kept in ATTEMPT_COOKIE)."""
    if not runtime().settings.oidc_configured:
        return render("sign_in_unavailable.html", status=404, title=say("title"), say=say)
    if not _form_token_matches():
        return redirect(f"{SIGN_IN_PATH}?error=expired", code=303)
    wanted = request.form.get("next") if _local(request.form.get("next")) else None
    try:
        url, attempt = _client().begin(_origin() + CALLBACK_PATH)
    except oidc.OidcError as exc:
        return _failure(exc.reason, detail=exc.detail, next=wanted)
    response = redirect(url, code=303)
    response.set_cookie(ATTEMPT_COOKIE, _attempts().dumps({"state": attempt.state, "nonce": attempt.nonce,
                                                           "verifier": attempt.verifier, "next": wanted}),
                        max_age=ATTEMPT_LIFETIME, **_cookie_flags(CALLBACK_PATH))
    return response


@pages.get("/sign-in/callback")
def sign_in_callback():
    """The identity provider sends the browser back here with a code (or an error) and the state."""
    if not runtime().settings.oidc_configured:
        return render("sign_in_unavailable.html", status=404, title=say("title"), say=say)
    try:
        kept = _attempts().loads(request.cookies.get(ATTEMPT_COOKIE, ""), max_age=ATTEMPT_LIFETIME)
    except BadSignature:  # none, forged, or older than ten minutes
        return _failure("expired")
    wanted = kept.get("next") if _local(kept.get("next")) else None
    state = request.args.get("state", "")
    if not state or not secrets.compare_digest(state.encode(), str(kept.get("state", "")).encode()):
        return _failure("state", next=wanted)
    # RFC 9207: a provider that names itself in the answer must be ours (no mix-up with another provider).
    try:
        client = _client()
    except oidc.OidcError as exc:
        return _failure(exc.reason, detail=exc.detail, next=wanted)
    if request.args.get("iss") not in (None, client.issuer):
        return _failure("state", next=wanted)
    if request.args.get("error"):
        error = request.args["error"][:64]
        return _failure("denied" if error in ("access_denied", "login_required", "consent_required") else
                        "provider_error", code=error, next=wanted)
    if not request.args.get("code"):
        return _failure("state", next=wanted)
    attempt = oidc.Attempt(str(kept["state"]), str(kept.get("nonce", "")), str(kept.get("verifier", "")))
    try:
        identity = client.finish(_origin() + CALLBACK_PATH, request.args["code"], attempt)
    except oidc.OidcError as exc:
        return _failure(exc.reason, detail=exc.detail, next=wanted)
    try:
        principal = sign_in.principal_of_subject(runtime().uow(), identity.subject)
    except NotFound:
        return _failure("not_linked", code=identity.subject, next=wanted)
    response = _signed_in(redirect(wanted or "/", code=303), principal, identity.id_token)
    response.delete_cookie(ATTEMPT_COOKIE, path=CALLBACK_PATH)  # spent: the same answer cannot sign in twice
    return response


def _failure(reason: str, *, detail: str | None = None, code: str | None = None, next: str | None = None):
    """A page that says what went wrong and what to do; no session is given, the attempt is spent."""
    reason = reason if reason in FAILURES else "refused"
    if detail:
        current_app.logger.warning("sign-in through the identity provider failed: %s: %s", reason, detail)
    heading = say(f"{reason}_heading")
    response = render("sign_in_failed.html", status=FAILURES[reason], title=heading, heading=heading,
                      advice=say(f"{reason}_advice"), say=say, code=code,
                      code_label=say("account_code" if reason == "not_linked" else "error_code"),
                      retry=SIGN_IN_PATH + (f"?next={quote(next)}" if next else ""))
    response.delete_cookie(ATTEMPT_COOKIE, path=CALLBACK_PATH)
    return response


@pages.post("/sign-out")
def sign_out():
    current_session()  # a signed-in browser's sign-out must carry its form's token (shared.web.access)
    target = SIGN_IN_PATH
    try:
        client = _client()
    except oidc.OidcError:
        client = None
    if client is not None:  # end the session at the identity provider too, when it offers that
        target = client.logout_url(request.cookies.get(ID_TOKEN_COOKIE), _origin() + SIGN_IN_PATH) or target
    response = redirect(target, code=303)
    response.delete_cookie(web_session.COOKIE, path="/")
    response.delete_cookie(ID_TOKEN_COOKIE, path=SIGN_OUT_PATH)
    return response


def _local(target: str | None) -> bool:
    """Only a path of this site may follow signing in: never another site's address."""
    return bool(target) and target.startswith("/") and not target.startswith("//") and "\\" not in target
