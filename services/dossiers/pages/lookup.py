"""A citizen follows a dossier with the code and the secret printed on the receipt (`/dossiers/lookup`), and
reads the unit's apology letter when it is late; the one-stop desk prints that receipt from the dossier's
page. A wrong secret and an unknown code get the same answer: nothing about the dossier."""

from __future__ import annotations

from urllib.parse import quote

from flask import Response, request

from services.dossiers.pages.common import pages
from services.dossiers.use_cases import receipts
from shared.errors import NotFound
from shared.web import current_principal, require_roles, runtime
from shared.web.pages import check_form_token, render, words

WORDS: dict[str, tuple[str, str]] = {
    "title": ("Tra cứu hồ sơ", "Look up a dossier"),
    "lead": ("Nhập mã hồ sơ và mã bí mật in trên giấy tiếp nhận hồ sơ và hẹn trả kết quả.",
             "Enter the dossier code and the secret printed on your receipt."),
    "code": ("Mã hồ sơ", "Dossier code"), "secret": ("Mã bí mật", "Secret"),
    "secret_hint": ("8 ký tự, in đậm dưới mã QR trên giấy tiếp nhận.", "8 characters, in bold on your receipt."),
    "find": ("Tra cứu", "Look up"),
    "not_found": ("Không tìm thấy hồ sơ với mã và mã bí mật này. Hãy đối chiếu với giấy tiếp nhận.",
                  "No dossier matches this code and secret. Check them against your receipt."),
    "need_both": ("Nhập cả mã hồ sơ và mã bí mật.", "Enter both the code and the secret."),
}
w = words(WORDS)


def _no_store(response: Response) -> Response:
    # The page answers for whoever holds the receipt: never kept by a shared cache, never sent as a referrer.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@pages.route("/lookup", methods=["GET", "POST"])
def lookup():
    code = (request.values.get("code") or "").strip()
    secret = (request.values.get("secret") or "").strip()
    if request.method == "POST":
        check_form_token()
    if not (code or secret):
        return _no_store(render("lookup.html", title=w("title"), w=w, view=None, code="", errors={}))
    if not (code and secret):
        return _no_store(render("lookup.html", status=422, title=w("title"), w=w, view=None, code=code,
                                errors={"secret" if code else "code": w("need_both")}))
    try:
        view = receipts.look_up(runtime().uow(), code, secret)
    except NotFound:
        return _no_store(render("lookup.html", status=404, title=w("title"), w=w, view=None, code=code,
                                errors={"code": w("not_found")}))
    return _no_store(render("lookup.html", title=w("title"), w=w, view=view, code=view.code, secret=secret,
                            errors={}))


@pages.post("/lookup/apology.pdf")
def apology():
    check_form_token()
    try:
        pdf = receipts.apology_for_citizen(runtime().uow(), request.form.get("code", ""),
                                           request.form.get("secret", ""))
    except NotFound:
        return _no_store(render("lookup.html", status=404, title=w("title"), w=w, view=None, code="",
                                errors={"code": w("not_found")}))
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = 'attachment; filename="thu-xin-loi.pdf"'
    return _no_store(response)


@pages.get("/workbench/<code>/receipt.pdf")
@require_roles("officer", "head")
def receipt(code: str):
    """The receipt to print for the citizen, with the secret and a QR code to the look-up page."""
    made = receipts.receipt(runtime().uow(), code, current_principal(required=True))
    url = f"{request.host_url.rstrip('/')}/dossiers/lookup?code={quote(made.code)}&secret={quote(made.secret)}"
    pdf = receipts.receipt_pdf(runtime().uow(), code, current_principal(required=True), url)
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="giay-tiep-nhan-{made.code}.pdf"'
    return _no_store(response)


