"""The head's scorecard in a browser: her unit's score this month with its parts (the Index 766 groups,
measured or not), its rank among units, and the trend of the last months as a chart with its table.

One use case (`scorecards.unit_overview`) for the signed-in head's own unit; nothing to parse. A browser
without a session is sent to sign in; another role gets the 403 page (shared.web).
"""

from __future__ import annotations

from decimal import Decimal

from flask import Blueprint

from services.reporting.domain.texts import unit_kind_label
from services.reporting.use_cases import scorecards
from shared.errors import NotFound
from shared.web import current_principal, require_roles, runtime
from shared.web.pages import render

pages = Blueprint("reporting_pages", __name__, template_folder="templates")

# The trend chart (an inline SVG drawn by the template: no script, no style attribute).
CHART = {"width": 640, "height": 240, "top": 24, "bottom": 40, "left": 8}


@pages.app_template_filter("vn_period")
def vn_period(period: str) -> str:
    """`2026-12` → `tháng 12/2026`; a quarter or a year as written."""
    if len(period) == 7 and period[4] == "-" and period[5:].isdigit():
        return f"tháng {period[5:]}/{period[:4]}"
    if "-Q" in period:
        return f"quý {period[-1]}/{period[:4]}"
    return period


@pages.app_template_filter("percent")
def percent(rate) -> Decimal | None:
    """A rate (0 to 1) as a percentage, for vn_number."""
    return None if rate is None else Decimal(str(rate)) * 100


@pages.get("/scorecard")
@require_roles("head")
def scorecard():
    principal = current_principal(required=True)
    try:
        overview = scorecards.unit_overview(runtime().uow(), principal.unit or "")
    except NotFound:
        return render("scorecard_no_data.html", title="Kết quả của đơn vị", unit=principal.unit)
    card = overview["scorecard"]
    return render("scorecard.html", title=f"Kết quả của đơn vị — {card['unit_name'] or card['unit']}",
                  card=card, rank=overview["rank"], kind_rank=overview["kind_rank"], trend=overview["trend"],
                  kind_label=unit_kind_label(card["unit_kind"]), chart=CHART)
