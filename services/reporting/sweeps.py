"""Periodic jobs of the reporting service: the periodic reports, issued on their due dates."""

from __future__ import annotations

from typing import TYPE_CHECKING

from services.reporting.use_cases import reports
from shared.errors import Conflict

if TYPE_CHECKING:
    from shared.runtime import ServiceRuntime

def sweep_reports(runtime: ServiceRuntime) -> int:
    """Issue the newest monthly (on the 25th), quarterly (the 25th of the quarter's last month) and Monday
    report not issued yet, once each: the first replica to store version 1 wins and the others stop at the
    conflict. Returns how many reports this run issued."""
    issued = 0
    for kind, period in reports.reports_due(runtime.uow()):
        try:
            reports.issue_report(runtime.uow(), kind, period, issued_by="sweep")
        except Conflict:
            continue  # another replica issued it a moment ago
        issued += 1
    return issued
