"""`rating.submitted`: counted once per rating code, in the month it was given; `survey.round_opened`: a
unit's monthly survey, whose responses are the ratings naming it."""

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
               "period": str(month), "submitted_at": event.time, "survey_round": values.get("survey_round")}
        if uow.memo.get("replaying"):
            # A rebuild writes the batch's ratings at the commit; the first copy of a code wins, as the insert's.
            uow.memo.setdefault("ratings", {}).setdefault(values["code"], row)
            pending.flush_later(uow)
            uow.commit()
            return
        if writes.insert_rating(uow.session, row) and unit:  # a copy of a rating already stored adds nothing
            pending.add_figure_counts(uow, unit, month, rating_figure_counts(values["overall"]))
        uow.commit()


@projection("survey.round_opened")
def record_survey_round(uow: UnitOfWork, event: Event, values: Mapping[str, Any]) -> None:
    """The round joins its unit's month; the newest event about a round wins."""
    with uow:
        pending.ensure_units(uow, [values["unit"]])
        writes.upsert_survey_round(uow.session, {
            "code": values["code"], "unit": values["unit"], "period": values["period"],
            "opened_at": values["opened_at"], "returned": values["returned"], "invited": values["invited"],
            "event_at": event.time})
        uow.commit()
