"""Rankings over months, for the Chairman and the Office: the rank of the first and the last units of the
latest ranking in each of the last months, all units or one kind, as published (`published_rankings`: the
766 progress ranking each month's events last moved, the same one `ranking.updated` announced)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select

from services.reporting.domain.periods import Month
from services.reporting.domain.progress import formula_for
from services.reporting.domain.rank_history import SHOW, followed_units, histories, latest_ranked_month
from services.reporting.store.statements import rankings as _rankings
from services.reporting.store.statements import units as _units
from shared.errors import InvalidInput
from shared.uow import UnitOfWork

MONTHS = (6, 12)


def rankings_over_time(uow: UnitOfWork, kind: str | None = None, *, months: int = 12, show: str = "both",
                       count: int = 5) -> dict[str, Any]:
    """The last `months` months up to the current one: which units are followed (the `count` first and last of
    the latest month ranked) and each one's rank and score per month, with the kinds of unit ranked."""
    if months not in MONTHS:
        raise InvalidInput(f"cannot show {months} months", {"months": [f"expected one of {MONTHS}"]})
    if show not in SHOW:
        raise InvalidInput(f"cannot show {show!r}", {"show": [f"expected one of {SHOW}"]})
    with uow:
        session = uow.session
        current = Month.of(uow.now(), uow.calendar.tz)
        first = current
        for _ in range(months - 1):
            first = first.previous()
        shown = [str(m) for m in first.through(current)]
        rows = session.execute(
            select(_rankings.c.period, _rankings.c.entries, _rankings.c.units_ranked)
            .where(_rankings.c.unit_kind == (kind or ""), _rankings.c.period.in_(shown))).all()
        rankings = {period: {unit: (int(rank), Decimal(str(score))) for unit, (rank, score) in (entries or {}).items()}
                    for period, entries, _ in rows}
        units_ranked = {period: ranked for period, _, ranked in rows}
        followed = followed_units(shown, rankings, show, count)
        names = dict(session.execute(select(_units.c.code, _units.c.name)
                                     .where(_units.c.code.in_([u for u, _ in followed]))).all()) if followed else {}
        kinds = sorted(k for (k,) in session.execute(select(_rankings.c.unit_kind).distinct()) if k)
        latest = latest_ranked_month(shown, rankings)
        return {
            "unit_kind": kind,
            "months": shown,
            "show": show,
            "latest": latest,
            "kinds": kinds,
            "units_ranked": units_ranked,
            "formula": formula_for(Month.parse(latest or shown[-1])).as_dict(),
            "histories": [{"unit": h.unit, "unit_name": names.get(h.unit), "group": h.group, "history": h}
                          for h in histories(shown, rankings, units_ranked, followed)],
        }
