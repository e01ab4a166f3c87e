"""Reporting's pages: the public home page with the month's ranking (home) and the head's scorecard
(scorecard)."""

from services.reporting.pages.home import pages as home
from services.reporting.pages.scorecard import pages as scorecard

__all__ = ["home", "scorecard"]
