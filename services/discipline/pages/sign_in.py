"""Signing in and out in a browser. The session cookie it sets is accepted by every service (shared.web).

On the embedded demo a page lists the demo's officials to sign in as; anywhere else signing in goes through
the province's identity provider (OpenID Connect), which this page says plainly while it is not configured.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from flask import Blueprint, redirect, request

from services.discipline.use_cases import sign_in
from shared.web import current_session, runtime
from shared.web import session as web_session
from shared.web.pages import render

pages = Blueprint("sign_in", __name__, template_folder=str(Path(__file__).parents[1] / "templates"))

# Before anyone is signed in, the sign-in form carries a token of its own, matched against a cookie
# (double submit): another site cannot sign a browser in as someone else.
SIGN_IN_CSRF_COOKIE = "kc_sign_in_csrf"


def _cookie_flags() -> dict:
    return {"httponly": True, "secure": request.is_secure, "samesite": "Lax", "path": "/"}


@pages.get("/sign-in")
def sign_in_page():
    settings = runtime().settings
    if not settings.embedded_default:
        return render("sign_in_unavailable.html", title="Đăng nhập")
    token = secrets.token_urlsafe(24)
    response = render("sign_in_demo.html", title="Đăng nhập", choices=sign_in.choices(runtime().uow()),
                      token=token, error=request.args.get("error"),
                      next=request.args.get("next") if _local(request.args.get("next")) else None)
    response.set_cookie(SIGN_IN_CSRF_COOKIE, token, max_age=3600, **{**_cookie_flags(), "samesite": "Strict"})
    return response


@pages.post("/sign-in/demo")
def sign_in_as():
    settings = runtime().settings
    if not settings.embedded_default:
        return render("sign_in_unavailable.html", status=404, title="Đăng nhập")
    sent, expected = request.form.get(web_session.CSRF_FIELD), request.cookies.get(SIGN_IN_CSRF_COOKIE)
    if not sent or not expected or not secrets.compare_digest(sent, expected):
        return redirect("/discipline/sign-in?error=expired", code=303)
    principal = sign_in.principal_of(runtime().uow(), request.form.get("official", ""))
    response = redirect(request.form.get("next") if _local(request.form.get("next")) else "/", code=303)
    response.set_cookie(web_session.COOKIE, web_session.issue(settings.session_secret, principal),
                        max_age=int(web_session.LIFETIME.total_seconds()), **_cookie_flags())
    response.delete_cookie(SIGN_IN_CSRF_COOKIE, path="/")
    return response


@pages.post("/sign-out")
def sign_out():
    current_session()  # a signed-in browser's sign-out must carry its form's token (shared.web.access)
    response = redirect("/discipline/sign-in", code=303)
    response.delete_cookie(web_session.COOKIE, path="/")
    return response


def _local(target: str | None) -> bool:
    """Only a path of this site may follow signing in: never another site's address."""
    return bool(target) and target.startswith("/") and not target.startswith("//") and "\\" not in target
