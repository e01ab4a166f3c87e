"""The officer's workbench: her open dossiers, least remaining working time first, filtered by step, status
or procedure (a GET form that works without a script), a page at a time."""

from __future__ import annotations

from services.dossiers.pages.common import PAGE_SIZE, STATUS_LABELS, arg, pages, tr
from services.dossiers.use_cases import workbench as use_case
from shared.web import current_principal, require_roles, runtime
from shared.web.pages import Pager, page_number, render, sort_order

OPEN_STATUSES = ("received", "awaiting_supplement")


@pages.get("/workbench")
@require_roles("officer", "head")
def workbench():
    principal = current_principal(required=True)
    wanted = use_case.WorkbenchFilter(step=arg("step"), status=arg("status", OPEN_STATUSES),
                                      procedure=arg("procedure"), order=sort_order(("remaining", "code"), "remaining"))
    found = use_case.workbench(runtime().uow(), principal, page_number(), PAGE_SIZE, wanted)
    page = found["page"]
    return render("workbench.html", title=tr("Hồ sơ của tôi"), rows=page.items, page=page,
                  pager=Pager(page.page, page.page_size, page.total), wanted=wanted,
                  steps=found["steps"], procedures=found["procedures"],
                  statuses=[(s, STATUS_LABELS[s]) for s in OPEN_STATUSES], principal=principal,
                  filtered=any((wanted.step, wanted.status, wanted.procedure)), sort=wanted.order)
