"""The officer's workbench in a browser: her open dossiers, least remaining working time first.

Parses nothing but the page number, calls one use case (`queries.my_dossiers`) and renders it in the shared
layout. A browser without a session is sent to sign in and brought back (shared.web).
"""

from __future__ import annotations

from flask import Blueprint

from services.dossiers.use_cases import queries
from shared.web import current_principal, require_roles, runtime
from shared.web.pages import page_number, render

pages = Blueprint("dossiers_pages", __name__, template_folder="templates")
PAGE_SIZE = 50


@pages.get("/workbench")
@require_roles("officer", "head")
def workbench():
    principal = current_principal(required=True)
    found = queries.my_dossiers(runtime().uow(), principal, page_number(), PAGE_SIZE)
    return render("workbench.html", title="Hồ sơ của tôi", rows=found.items, page=found, principal=principal)
