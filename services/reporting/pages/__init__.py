"""Reporting's pages: the public home page with the month's ranking (home), the public lists of those who
serve well and those disciplined (lists), the reports library (reports), and a unit's scorecard, its head's
and the public's (scorecard)."""

from services.reporting.pages.board import pages as board  # noqa: E402  (added after the others)
from services.reporting.pages.home import pages as home
from services.reporting.pages.lists import pages as lists
from services.reporting.pages.reports import pages as reports
from services.reporting.pages.scorecard import pages as scorecard

# The live board rides on the home page's blueprint (the service lists its page blueprints in app.py).
home.register_blueprint(board)

__all__ = ["board", "home", "lists", "reports", "scorecard"]
