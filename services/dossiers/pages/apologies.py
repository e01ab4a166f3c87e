"""The apologies waiting for the head's signature: the drafts her officers made for late dossiers, each with
the letter's draft (PDF) to read; signing issues the apology with her name (one new date, once)."""

from __future__ import annotations

from urllib.parse import quote

from flask import redirect, request

from services.dossiers.pages.common import PAGE_SIZE, field_errors, form_text, pages, tr
from services.dossiers.use_cases import apology_drafts
from shared.codes import is_code
from shared.errors import Conflict, InvalidInput
from shared.web import current_principal, require_roles, runtime
from shared.web.pages import Pager, flash, page_number, render


def show(status: int = 200, errors: dict[str, str] | None = None, values: dict | None = None,
         failed: str | None = None):
    found = apology_drafts.drafts_to_sign(runtime().uow(), current_principal(required=True), page_number(), PAGE_SIZE)
    signed = request.args.get("signed") if status == 200 else None
    return render("apologies.html", status=status, title=tr("Thư xin lỗi chờ ký"), rows=found.items, page=found,
                  pager=Pager(found.page, found.page_size, found.total), errors=errors or {}, values=values or {},
                  failed=failed, signed=signed if signed and is_code(signed) else None)


@pages.get("/apologies")
@require_roles("head")
def apologies_to_sign():
    return show()


@pages.post("/apologies/<code>/sign")
@require_roles("head")
def sign(code):
    name, title = form_text(f"signer_name-{code}"), form_text(f"signer_title-{code}")
    values = {f"signer_name-{code}": name, f"signer_title-{code}": title}
    if not name:
        return show(422, {f"signer_name-{code}": f"Nhập họ và tên người ký thư xin lỗi hồ sơ {code}"}, values, code)
    try:
        apology_drafts.sign_apology(runtime().uow(), code, apology_drafts.SignApology(name, title or None),
                                    principal=current_principal())
    except (InvalidInput, Conflict) as error:
        return show(422, field_errors(error, {"signer_name": f"signer_name-{code}"}, f"signer_name-{code}"), values,
                    code)
    flash(f"Đã ký thư xin lỗi hồ sơ {code}. Thư đã được phát hành; hạn xử lý theo quy định không thay đổi.")
    return redirect(f"/dossiers/apologies?signed={quote(code)}", code=303)
