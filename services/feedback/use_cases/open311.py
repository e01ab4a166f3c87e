"""Requests as Open311 GeoReport v2 clients search them."""

from __future__ import annotations

from datetime import datetime

from services.feedback import domain, store
from services.feedback.models import Feedback
from shared.uow import UnitOfWork

OPEN311_LIMIT = 200


def open311_requests(uow: UnitOfWork, *, ids: list[str] | None = None, service_code: str | None = None,
                     start: datetime | None = None, end: datetime | None = None,
                     status: str | None = None) -> list[Feedback]:
    """Feedback by tracking codes, category, reception window and Open311 status (open, closed), newest
    first, at most OPEN311_LIMIT; what of it is public is the edge's to show (domain.open311_*)."""
    with uow:
        query = store.open311_query(ids=[domain.normalise_code(i) for i in ids] if ids else None,
                                    service_code=service_code, start=start, end=end,
                                    closed={"closed": True, "open": False}.get(status or ""),
                                    limit=OPEN311_LIMIT)
        return list(uow.session.scalars(query))
