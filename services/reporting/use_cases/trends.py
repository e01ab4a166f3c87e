"""The on-time rate over several periods, for a trend chart (and the periodic reports)."""

from __future__ import annotations

from collections.abc import Iterable

from services.reporting.domain.periods import Period, as_of, requested_period
from services.reporting.domain.progress import Tally, formula_for, progress
from services.reporting.use_cases import figures
from shared.uow import UnitOfWork


def get_trend(uow: UnitOfWork, unit_code: str | None, periods: Iterable[str | Period]) -> list[dict]:
    """The on-time rate of a unit (exactly, as its scorecard) or of all units together (from the stored
    rows, as the ranking) in each period, for a trend chart."""
    trend = []
    with uow:
        session = uow.session
        tz = uow.calendar.tz
        now = uow.now()
        if unit_code is not None:
            figures.unit_row(session, unit_code)
        for item in periods:
            period = item if isinstance(item, Period) else requested_period(item, now, tz)
            at = as_of(period, now, tz)
            if unit_code is None:
                tally = sum((t.tally for t in figures.period_tallies(session, period, tz, at)), Tally())
            else:
                tally = figures.exact_tally(session, unit_code, period.start(tz), period.end(tz), at)
            result = progress(tally, formula_for(period))
            trend.append({"period": str(period), "received": result.received, "on_time": result.on_time,
                          "late": result.late, "overdue_open": result.overdue_open,
                          "on_time_rate": result.on_time_rate, "score": result.score})
    return trend
