"""Periodic jobs of the reporting service: the periodic reports, issued on their due dates once the period's
data is in."""

from __future__ import annotations

import logging
import weakref
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from services.reporting.use_cases import reports
from shared.errors import Conflict

if TYPE_CHECKING:
    from shared.runtime import ServiceRuntime

log = logging.getLogger(__name__)

# A report says what reporting's projections hold when it is issued, and an issued report never changes (a
# correction is a re-issue). So a due report waits until the projections have settled: no event applied for
# SETTLE, which means the events already published (a start-up's backlog, a department's import, an outage's
# catch-up) have been applied. A platform that never falls quiet issues it MAX_WAIT after the report was
# first seen due, and one that has never received an event waits that long too.
SETTLE = timedelta(seconds=60)
MAX_WAIT = timedelta(minutes=30)
_first_seen_due: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def sweep_reports(runtime: ServiceRuntime) -> int:
    """Issue the newest monthly (on the 25th), quarterly (the 25th of the quarter's last month) and Monday
    report not issued yet, once each and once the period's data is in: the first replica to store version 1
    wins and the others stop at the conflict. Returns how many reports this run issued."""
    due = reports.reports_due(runtime.uow())
    if not due:
        _first_seen_due.pop(runtime, None)
        return 0
    now = runtime.clock.now()
    if runtime not in _first_seen_due:
        log.info("reports due: %s; issued once events stop arriving for %ss (at the latest in %s min)",
                 ", ".join(period for _, period in due), int(SETTLE.total_seconds()), int(MAX_WAIT.seconds / 60))
    first_seen = _first_seen_due.setdefault(runtime, now)
    if not _settled(reports.last_event_projected_at(runtime.uow()), now, first_seen):
        return 0
    issued = 0
    for kind, period in due:
        try:
            reports.issue_report(runtime.uow(), kind, period, issued_by="sweep")
        except Conflict:
            continue  # another replica issued it a moment ago
        issued += 1
    _first_seen_due.pop(runtime, None)
    return issued


def _settled(last_applied: datetime | None, now: datetime, first_seen: datetime) -> bool:
    if now - first_seen >= MAX_WAIT:
        return True
    if last_applied is None:
        log.debug("a report is due; waiting for the first events to reach reporting")
        return False
    if now - last_applied < SETTLE:
        log.debug("a report is due; waiting until events stop arriving (the last was applied %ss ago)",
                 int((now - last_applied).total_seconds()))
        return False
    return True
