"""Reporting's pages: the public home page with the month's ranking (home), the public lists of those who
serve well and those disciplined (lists), the reports library (reports), and a unit's scorecard, its head's
and the public's (scorecard)."""

from services.reporting.pages.home import pages as home
from services.reporting.pages.lists import pages as lists
from services.reporting.pages.reports import pages as reports
from services.reporting.pages.scorecard import pages as scorecard

__all__ = ["home", "lists", "reports", "scorecard"]

# The Office's monthly classification of units (seed 004, item 2.b) and the rankings over months.
from services.reporting.pages.classification import pages as classification  # noqa: E402
from services.reporting.pages.rankings import pages as rankings  # noqa: E402

__all__ += ["classification", "rankings"]
