"""The head's view of her unit's open dossiers: how many are open, due soon and overdue, by step and by
official, and the list by due date (filtered by step, official or standing), a page at a time."""

from __future__ import annotations

from services.dossiers.pages.common import PAGE_SIZE, arg, pages, tr
from services.dossiers.use_cases import workbench as use_case
from shared.web import current_principal, require_roles, runtime
from shared.web.pages import Pager, page_number, render, sort_order

STANDINGS = (("overdue", "Quá hạn"), ("due_soon", "Sắp đến hạn"), ("awaiting_supplement", "Chờ công dân bổ sung"))


@pages.get("/unit")
@require_roles("head")
def unit_dossiers():
    principal = current_principal(required=True)
    wanted = use_case.UnitFilter(step=arg("step"), official=arg("official"),
                                 standing=arg("standing", use_case.STANDINGS), order=sort_order(("due", "code"), "due"))
    found = use_case.unit_dossiers(runtime().uow(), principal, page_number(), PAGE_SIZE, wanted)
    page = found["page"]
    return render("unit.html", title=tr("Hồ sơ của đơn vị"), f=found, rows=page.items, page=page,
                  pager=Pager(page.page, page.page_size, page.total), wanted=wanted, standings=STANDINGS,
                  filtered=any((wanted.step, wanted.official, wanted.standing)), sort=wanted.order)
