"""The officer's workbench in a browser: her open dossiers, least remaining working time first.

Parses nothing but the page number, calls one use case (`queries.my_dossiers`) and renders it in the shared
layout. A browser without a session is sent to sign in and brought back.
"""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import quote

from flask import Blueprint, redirect, request

from services.dossiers.use_cases import queries
from shared.errors import Unauthorized
from shared.web import current_principal, runtime
from shared.web.pages import render

pages = Blueprint("dossiers_pages", __name__, template_folder="templates")
PAGE_SIZE = 50


def urgency(remaining_days) -> str:
    """The badge of a dossier: overdue (red), due within one working day (amber), or within its time."""
    days = Decimal(str(remaining_days))
    if days <= 0:
        return "overdue"
    if days <= 1:
        return "due_soon"
    return "on_track"


@pages.get("/workbench")
def workbench():
    try:
        principal = current_principal(required=True)
    except Unauthorized:
        return redirect(f"/discipline/sign-in?next={quote(request.full_path.rstrip('?'))}", code=303)
    page = request.args.get("page", "1")
    page = int(page) if page.isdigit() and 0 < int(page) < 100_000 else 1
    found = queries.my_dossiers(runtime().uow(), principal, page, PAGE_SIZE)
    rows = [(dossier, urgency(dossier.remaining_days)) for dossier in found.items]
    return render("workbench.html", title="Hồ sơ của tôi", rows=rows, page=found, principal=principal)
