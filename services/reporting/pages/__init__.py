"""Reporting's pages: the public home page with the month's ranking (home), the public lists of those who
serve well and those disciplined (lists), the reports library (reports), a unit's scorecard, its head's and
the public's (scorecard), the Service Center's live board of every unit's open dossiers (board), the monthly
classification of units (classification; seed 004, item 2.b) and the rankings over months (rankings)."""

from services.reporting.pages.board import pages as board
from services.reporting.pages.classification import pages as classification
from services.reporting.pages.home import pages as home
from services.reporting.pages.lists import pages as lists
from services.reporting.pages.rankings import pages as rankings
from services.reporting.pages.reports import pages as reports
from services.reporting.pages.scorecard import pages as scorecard

__all__ = ["board", "classification", "home", "lists", "rankings", "reports", "scorecard"]
