"""`rating.submitted`: counted once per rating code, in the month it was given."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.reporting.domain.occurrences import rating_figure_counts
from services.reporting.domain.periods import Month
from services.reporting.store import writes
from services.reporting.use_cases import pending
from services.reporting.use_cases.projections.registry import projection
from shared.events.envelope import Event
from shared.uow import UnitOfWork


@projection("rating.submitted")
def record_rating(uow: UnitOfWork, event: Event, values: Mapping[str, Any]) -> None:
    with uow:
        unit = values.get("unit")
        if unit:
            pending.ensure_units(uow, [unit])
        month = Month.of(event.time, uow.calendar.tz)
        row = {"code": values["code"], "unit": unit, "subject_type": values["subject_type"],
               "subject": values["subject"], "overall": values["overall"], "factors": values.get("factors") or {},
               "period": str(month), "submitted_at": event.time}
        if uow.memo.get("replaying"):
            # A rebuild writes the batch's ratings at the commit; the first copy of a code wins, as the insert's.
            uow.memo.setdefault("ratings", {}).setdefault(values["code"], row)
            pending.flush_later(uow)
            uow.commit()
            return
        if writes.insert_rating(uow.session, row) and unit:  # a copy of a rating already stored adds nothing
            pending.add_figure_counts(uow, unit, month, rating_figure_counts(values["overall"]))
        uow.commit()
